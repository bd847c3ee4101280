import type { RowSource } from '../ports.js';

/** One row read from a source: a value to validate, or why it could not be read at all. */
export type ReadRow = { rowNumber: number; value: unknown } | { rowNumber: number; error: string };

/**
 * A streaming RFC 4180 CSV parser: feed it chunks, it yields complete records. Memory is bounded
 * by the longest record, not the file. Handles quoted fields with commas, quotes (`""`) and line
 * breaks, CRLF or LF line ends, and a UTF-8 byte-order mark.
 */
export function createCsvParser(): { push(chunk: string): string[][]; end(): string[][] } {
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let quotePending = false; // saw a quote inside a quoted field: either the end or an escaped quote
  let started = false; // the current record has any content
  let first = true;

  const finishRecord = (out: string[][]) => {
    record.push(field);
    field = '';
    if (started || record.length > 1 || record[0] !== '') out.push(record);
    record = [];
    started = false;
  };

  const push = (chunk: string): string[][] => {
    const out: string[][] = [];
    let text = chunk;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length > 0) first = false;
    }
    for (let index = 0; index < text.length; index++) {
      const char = text[index]!;
      if (inQuotes) {
        if (quotePending) {
          quotePending = false;
          if (char === '"') {
            field += '"';
            continue;
          }
          inQuotes = false;
          // fall through: the character after a closing quote is handled as unquoted
        } else if (char === '"') {
          quotePending = true;
          continue;
        } else {
          field += char;
          continue;
        }
      }
      if (char === '"' && field === '') {
        inQuotes = true;
        started = true;
      } else if (char === ',') {
        record.push(field);
        field = '';
        started = true;
      } else if (char === '\n') {
        finishRecord(out);
      } else if (char === '\r') {
        // CR is dropped; LF ends the record (a lone CR inside a quoted field was kept above)
      } else {
        field += char;
        started = true;
      }
    }
    return out;
  };

  const end = (): string[][] => {
    const out: string[][] = [];
    if (quotePending) {
      quotePending = false;
      inQuotes = false;
    }
    if (started || field !== '' || record.length > 0) finishRecord(out);
    return out;
  };
  return { push, end };
}

/** Formats one CSV field (quoted when it has a comma, quote, or line break). */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  // Cells starting with = + - @ are quoted and prefixed so spreadsheets do not run them.
  const guarded = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) || guarded !== text
    ? `"${guarded.replaceAll('"', '""')}"`
    : guarded;
}

/**
 * A streaming splitter for a top-level JSON array: yields the text of each element as soon as
 * it is complete, so a file of a million rows never sits in memory at once.
 */
export function createJsonArraySplitter(): { push(chunk: string): string[]; end(): string[] } {
  let state: 'before' | 'between' | 'element' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let current = '';
  let bad = false;

  const push = (chunk: string): string[] => {
    const out: string[] = [];
    for (let index = 0; index < chunk.length; index++) {
      const char = chunk[index]!;
      if (state === 'before') {
        if (char === '[') state = 'between';
        else if (!/\s/.test(char) && char !== '\ufeff') bad = true;
        continue;
      }
      if (state === 'after') {
        if (!/\s/.test(char)) bad = true;
        continue;
      }
      if (state === 'between') {
        if (/\s/.test(char) || char === ',') continue;
        if (char === ']') {
          state = 'after';
          continue;
        }
        state = 'element';
        current = '';
      }
      // inside an element
      if (inString) {
        current += char;
        if (escaped) escaped = false;
        else if (char === '\\') escaped = true;
        else if (char === '"') inString = false;
        continue;
      }
      if (char === '"') {
        inString = true;
        current += char;
      } else if (char === '{' || char === '[') {
        depth += 1;
        current += char;
      } else if (char === '}' || char === ']') {
        if (depth === 0 && char === ']') {
          out.push(current);
          current = '';
          state = 'after';
          continue;
        }
        depth -= 1;
        current += char;
      } else if (char === ',' && depth === 0) {
        out.push(current);
        current = '';
        state = 'between';
      } else {
        current += char;
      }
    }
    return out;
  };
  const end = (): string[] => {
    if (state !== 'after' || bad) {
      const out = state === 'element' && current.trim() !== '' ? [current] : [];
      throw Object.assign(new Error('not a complete JSON array'), { partial: out });
    }
    return [];
  };
  return { push, end };
}

const columnAliases: Record<string, string> = {
  instruction_id: 'instructionId',
  instructionid: 'instructionId',
  payee_functional_id: 'payeeFunctionalId',
  payeefunctionalid: 'payeeFunctionalId',
  amount: 'amount',
  currency: 'currency',
  narration: 'narration',
};

function columnName(header: string): string {
  const key = header.trim();
  return columnAliases[key.toLowerCase()] ?? key;
}

function isTextChunk(value: unknown): value is string | Uint8Array {
  return typeof value === 'string' || value instanceof Uint8Array;
}

async function* textChunks(
  first: string | Uint8Array,
  rest: AsyncIterator<unknown> | Iterator<unknown>,
) {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const decode = (chunk: string | Uint8Array) =>
    typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  yield decode(first);
  for (;;) {
    const next = await rest.next();
    if (next.done) break;
    if (!isTextChunk(next.value)) throw new TypeError('a row source mixes text chunks and values');
    yield decode(next.value);
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/**
 * Reads rows from a source in the given format, streaming. Objects given directly (an array or
 * async iterable of values) are passed through as rows; text (a string, or chunks of text or
 * bytes) is parsed as CSV, a JSON array, or NDJSON.
 */
export async function* readRows(
  source: RowSource,
  format: 'csv' | 'json' | 'ndjson',
): AsyncGenerator<ReadRow> {
  const iterator: AsyncIterator<unknown> | Iterator<unknown> =
    typeof source === 'string'
      ? [source][Symbol.iterator]()
      : Symbol.asyncIterator in source
        ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (source as Iterable<unknown>)[Symbol.iterator]();
  const head = await iterator.next();
  if (head.done) return;
  if (!isTextChunk(head.value)) {
    if (format === 'csv') throw new TypeError('CSV rows must come as text');
    let rowNumber = 1;
    yield { rowNumber, value: head.value };
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      rowNumber += 1;
      yield { rowNumber, value: next.value };
    }
  }
  const chunks = textChunks(head.value, iterator);
  let rowNumber = 0;
  if (format === 'csv') {
    const parser = createCsvParser();
    let header: string[] | undefined;
    const toRow = (record: string[]): ReadRow => {
      rowNumber += 1;
      if (!header) throw new Error('unreachable');
      if (record.length !== header.length) {
        return { rowNumber, error: `expected ${header.length} fields, found ${record.length}` };
      }
      const value: Record<string, string> = {};
      header.forEach((name, index) => {
        const cell = record[index]!;
        if (cell !== '' || name !== 'narration') value[name] = cell;
      });
      return { rowNumber, value };
    };
    for await (const chunk of chunks) {
      for (const record of parser.push(chunk)) {
        if (!header) header = record.map(columnName);
        else yield toRow(record);
      }
    }
    for (const record of parser.end()) {
      if (!header) header = record.map(columnName);
      else yield toRow(record);
    }
    return;
  }
  if (format === 'ndjson') {
    let buffer = '';
    const lineRow = (line: string): ReadRow | undefined => {
      if (line.trim() === '') return undefined;
      rowNumber += 1;
      try {
        return { rowNumber, value: JSON.parse(line) };
      } catch {
        return { rowNumber, error: 'not valid JSON' };
      }
    };
    for await (const chunk of chunks) {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const row = lineRow(buffer.slice(0, newline));
        if (row) yield row;
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    }
    const row = lineRow(buffer);
    if (row) yield row;
    return;
  }
  const splitter = createJsonArraySplitter();
  const elementRow = (text: string): ReadRow => {
    rowNumber += 1;
    try {
      return { rowNumber, value: JSON.parse(text) };
    } catch {
      return { rowNumber, error: 'not valid JSON' };
    }
  };
  for await (const chunk of chunks) for (const text of splitter.push(chunk)) yield elementRow(text);
  try {
    splitter.end();
  } catch (error) {
    for (const text of (error as { partial: string[] }).partial) yield elementRow(text);
    rowNumber += 1;
    yield { rowNumber, error: 'the JSON array is incomplete or malformed' };
  }
}
