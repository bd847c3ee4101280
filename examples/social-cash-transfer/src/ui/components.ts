/**
 * Server-rendered HTML components in the style of the GOV.UK Design System: every page works
 * without JavaScript, every input has a label, errors are summarised at the top and linked to
 * their fields, and headings are in order. `html` escapes every interpolated value.
 */
import { html, raw } from 'hono/html';

export type Html = ReturnType<typeof html>;

export interface FieldError {
  field: string;
  message: string;
}

export function errorSummary(errors: readonly FieldError[]): Html | '' {
  if (errors.length === 0) return '';
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
    <h2 class="error-summary__title" id="error-summary-title">There is a problem</h2>
    <ul>
      ${errors.map((error) => html`<li><a href="#${error.field}">${error.message}</a></li>`)}
    </ul>
  </div>`;
}

export interface InputOptions {
  name: string;
  label: string;
  value?: string | number | undefined;
  hint?: string;
  type?: 'text' | 'email' | 'tel' | 'date' | 'number' | 'password';
  autocomplete?: string;
  errors?: readonly FieldError[];
  readonly?: boolean;
}

export function textInput(options: InputOptions): Html {
  const error = options.errors?.find((candidate) => candidate.field === options.name);
  const describedBy = [
    options.hint ? `${options.name}-hint` : '',
    error ? `${options.name}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return html`<div class="form-group${error ? ' form-group--error' : ''}">
    <label class="label" for="${options.name}">${options.label}</label>
    ${options.hint ? html`<div class="hint" id="${options.name}-hint">${options.hint}</div>` : ''}
    ${error ? html`<p class="error-message" id="${options.name}-error"><span class="visually-hidden">Error:</span> ${error.message}</p>` : ''}
    <input class="input" id="${options.name}" name="${options.name}" type="${options.type ?? 'text'}"
      value="${options.value ?? ''}"${describedBy ? raw(` aria-describedby="${describedBy}"`) : ''}${
        options.autocomplete ? raw(` autocomplete="${options.autocomplete}"`) : ''
      }${error ? raw(' aria-invalid="true"') : ''}${options.readonly ? raw(' readonly') : ''}>
  </div>`;
}

export function textarea(options: {
  name: string;
  label: string;
  value?: string;
  hint?: string;
  errors?: readonly FieldError[];
}): Html {
  const error = options.errors?.find((candidate) => candidate.field === options.name);
  return html`<div class="form-group${error ? ' form-group--error' : ''}">
    <label class="label" for="${options.name}">${options.label}</label>
    ${options.hint ? html`<div class="hint" id="${options.name}-hint">${options.hint}</div>` : ''}
    ${error ? html`<p class="error-message" id="${options.name}-error"><span class="visually-hidden">Error:</span> ${error.message}</p>` : ''}
    <textarea class="textarea" id="${options.name}" name="${options.name}" rows="4"${
      options.hint ? raw(` aria-describedby="${options.name}-hint"`) : ''
    }>${options.value ?? ''}</textarea>
  </div>`;
}

export function radios(options: {
  name: string;
  legend: string;
  items: ReadonlyArray<{ value: string; label: string }>;
  checked?: string;
  errors?: readonly FieldError[];
}): Html {
  const error = options.errors?.find((candidate) => candidate.field === options.name);
  return html`<div class="form-group${error ? ' form-group--error' : ''}">
    <fieldset class="fieldset" id="${options.name}">
      <legend class="fieldset__legend">${options.legend}</legend>
      ${error ? html`<p class="error-message"><span class="visually-hidden">Error:</span> ${error.message}</p>` : ''}
      ${options.items.map(
        (item, index) => html`<div class="radios__item">
          <input class="radios__input" id="${options.name}-${index}" name="${options.name}" type="radio" value="${item.value}"${
            options.checked === item.value ? raw(' checked') : ''
          }>
          <label class="radios__label" for="${options.name}-${index}">${item.label}</label>
        </div>`,
      )}
    </fieldset>
  </div>`;
}

export function button(
  text: string,
  options: { name?: string; value?: string; secondary?: boolean } = {},
): Html {
  return html`<button class="button${options.secondary ? ' button--secondary' : ''}" type="submit"${
    options.name ? raw(` name="${options.name}" value="${options.value ?? ''}"`) : ''
  }>${text}</button>`;
}

export function summaryList(rows: ReadonlyArray<{ key: string; value: string | Html }>): Html {
  return html`<dl class="summary-list">
    ${rows.map((row) => html`<div class="summary-list__row"><dt class="summary-list__key">${row.key}</dt><dd class="summary-list__value">${row.value}</dd></div>`)}
  </dl>`;
}

export function table(
  caption: string,
  head: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | Html>>,
): Html {
  return html`<table class="table">
    <caption class="table__caption">${caption}</caption>
    <thead><tr>${head.map((cell) => html`<th scope="col">${cell}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody>
  </table>`;
}

export function tag(
  text: string,
  tone: 'blue' | 'green' | 'red' | 'grey' | 'yellow' = 'blue',
): Html {
  return html`<strong class="tag tag--${tone}">${text}</strong>`;
}

export function panel(title: string, body: string | Html): Html {
  return html`<div class="panel"><h1 class="panel__title">${title}</h1><div class="panel__body">${body}</div></div>`;
}

export function notice(text: string | Html): Html {
  return html`<div class="notification" role="region" aria-label="Important">${text}</div>`;
}
