/**
 * `pnpm gen:api`: generates TypeScript types from the GovStack OpenAPI files with
 * openapi-typescript and writes them into the packages that own them
 * (`packages/<pkg>/src/govstack/generated/`). The output is committed, so a fresh clone builds
 * without the specifications.
 *
 * Several published files are not valid as they stand; each is repaired in memory, never on
 * disk, and every repair is printed:
 * - duplicated mapping keys (G2P BulkPayment, …): the last one wins, as most YAML readers do;
 * - a property schema written as a bare string (`payload: string` in enrollment) → `{ type }`;
 * - `$ref`s to components that do not exist (registries database) → an open schema `{}`.
 * - Swagger 2 parts in an OpenAPI 3 file (messaging): `definitions` → `components.schemas`,
 *   `securityDefinitions` → `components.securitySchemes`, a body passed as `in: query, name: body`
 *   → a JSON `requestBody`, `basePath` → `servers`.
 * `P2G-api/billInquiryBillerResponse.yml` is not YAML at all and is skipped.
 *
 * Looks for the specifications in `$GOVSTACK_SPECS`, `../shared/govstack`, or `/work/shared/govstack`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse as parseYaml } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const specs = [
  process.env.GOVSTACK_SPECS,
  join(root, '..', 'shared', 'govstack'),
  '/work/shared/govstack',
].find((candidate): candidate is string => !!candidate && existsSync(candidate));
if (!specs) throw new Error('GovStack specifications not found: set GOVSTACK_SPECS');

/** Spec file (relative to the specs folder) → owning package. */
const owners: Array<{ pattern: RegExp; pkg: string }> = [
  { pattern: /^consent\//, pkg: 'consent' },
  { pattern: /^identity\//, pkg: 'identity' },
  { pattern: /^messaging\//, pkg: 'messaging' },
  { pattern: /^payments\//, pkg: 'payments' },
  { pattern: /^registration\//, pkg: 'registration' },
  { pattern: /^registries\//, pkg: 'registration' },
];
const skipped = new Set(['payments/api/P2G-api/billInquiryBillerResponse.yml']);
const typeNames = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

function listSpecs(folder: string, prefix = ''): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory()) return listSpecs(join(folder, entry.name), `${relative}/`);
    const isSpec =
      /\.(ya?ml|json)$/.test(entry.name) &&
      relative.includes('/api/') &&
      !entry.name.startsWith('example');
    return isSpec ? [relative] : [];
  });
}

/** Lifts the Swagger 2 parts of a hybrid file into their OpenAPI 3 places. */
function repairSwaggerHybrid(document: Record<string, unknown>, file: string): void {
  if (!document.definitions && !document.securityDefinitions) return;
  console.warn(`  repair ${file}: Swagger 2 definitions lifted into OpenAPI 3 components`);
  document.components ??= {};
  const components = document.components as Record<string, unknown>;
  if (document.definitions)
    components.schemas = { ...(components.schemas as object), ...(document.definitions as object) };
  if (document.securityDefinitions) components.securitySchemes = document.securityDefinitions;
  if (typeof document.basePath === 'string') document.servers = [{ url: document.basePath }];
  for (const key of ['definitions', 'securityDefinitions', 'basePath', 'schemes'])
    delete document[key];
  const json = JSON.stringify(document).replaceAll('"#/definitions/', '"#/components/schemas/');
  Object.assign(document, JSON.parse(json));
  for (const item of Object.values(
    (document.paths ?? {}) as Record<string, Record<string, unknown>>,
  )) {
    for (const operation of Object.values(item) as Array<Record<string, unknown>>) {
      const parameters = operation.parameters as Array<Record<string, unknown>> | undefined;
      const body = parameters?.find(
        (parameter) => parameter.name === 'body' && parameter.in !== 'header',
      );
      if (!parameters || !body) continue;
      operation.parameters = parameters.filter((parameter) => parameter !== body);
      operation.requestBody = {
        required: body.required === true,
        description: body.description,
        content: { 'application/json': { schema: body.schema } },
      };
    }
  }
}

function repair(document: Record<string, unknown>, file: string): void {
  repairSwaggerHybrid(document, file);
  const resolves = (ref: string) =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>(
        (node, key) =>
          (node as Record<string, unknown> | undefined)?.[
            key.replaceAll('~1', '/').replaceAll('~0', '~')
          ],
        document,
      ) !== undefined;
  const visit = (node: unknown, path: string[]): void => {
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === 'string' && record.$ref.startsWith('#/') && !resolves(record.$ref)) {
      console.warn(`  repair ${file}: unresolvable $ref ${record.$ref} → {}`);
      delete record.$ref;
    }
    if (path.at(-1) === 'properties') {
      for (const [name, value] of Object.entries(record)) {
        if (typeof value === 'string') {
          console.warn(`  repair ${file}: property '${name}' is the string '${value}' → schema`);
          record[name] = typeNames.has(value) ? { type: value } : {};
        }
      }
    }
    for (const [key, value] of Object.entries(record)) visit(value, [...path, key]);
  };
  visit(document, []);
}

function moduleName(file: string): string {
  const stem = basename(file, extname(file))
    .replace(/-openapi$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  const group = basename(dirname(file));
  return group === 'api' ? stem : `${group.toLowerCase().replace(/-api$/, '')}-${stem}`;
}

const header = (file: string) =>
  `/**\n * Generated by \`pnpm gen:api\` from the GovStack specification ${file}.\n * Source: GovStack Working Group, Apache License 2.0. Do not edit by hand.\n */\n\n`;

let written = 0;
for (const file of listSpecs(specs)) {
  const owner = owners.find((candidate) => candidate.pattern.test(file));
  if (!owner) continue;
  if (skipped.has(file)) {
    console.warn(`  skip ${file}: not valid YAML as published`);
    continue;
  }
  const text = readFileSync(join(specs, file), 'utf8');
  const document = (
    file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { uniqueKeys: false })
  ) as Record<string, unknown>;
  repair(document, file);
  const ast = await openapiTS(document as never, { alphabetize: true });
  const outputFolder = join(root, 'packages', owner.pkg, 'src', 'govstack', 'generated');
  mkdirSync(outputFolder, { recursive: true });
  writeFileSync(join(outputFolder, `${moduleName(file)}.ts`), header(file) + astToString(ast));
  written++;
}
console.log(`gen:api: ${written} modules written`);
