/**
 * Writes the API's OpenAPI document (functions/artifactsApi/openapi.ts, generated from the zod schemas the
 * API validates with) to docs/openapi.json. `--check`: write nothing, exit 1 when the file differs.
 *
 * CLI: `npm run openapi [-- --check]`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../functions/artifactsApi/openapi';
import { OPERATIONS } from '../functions/artifactsApi/route-table';
import { isEntryPoint } from './entry-point';

export const OPENAPI_FILE = join(fileURLToPath(new URL('../', import.meta.url)), 'docs', 'openapi.json');

/** The file's exact contents: the document, two-space indented, with a final newline. */
export function openApiFileText(): string {
  return `${JSON.stringify(buildOpenApiDocument(OPERATIONS), null, 2)}\n`;
}

if (isEntryPoint(import.meta.url)) {
  const text = openApiFileText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {}
    if (current !== text) {
      console.error('docs/openapi.json is out of date: run npm run openapi');
      process.exitCode = 1;
    } else console.log('docs/openapi.json is up to date');
  } else {
    mkdirSync(dirname(OPENAPI_FILE), { recursive: true });
    writeFileSync(OPENAPI_FILE, text);
    console.log(`wrote docs/openapi.json (${text.length} bytes)`);
  }
}
