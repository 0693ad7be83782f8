#!/usr/bin/env node
/**
 * `node scripts/tsx-run.js file.ts args...`: runs a TypeScript file through tsx's loader in this very
 * process, as the npm scripts do. Unlike the `tsx` command it forks no second process and writes nothing to
 * the temporary folder (no /tmp/tsx-<uid> IPC directory, no compile cache): `npm start`, the scripts and
 * the tests leave the machine as they found it. Signals reach the script directly.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.TSX_DISABLE_CACHE ??= '1';
const { register } = await import('tsx/esm/api');
register();
const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/tsx-run.js <file.ts> [args...]\n');
  process.exit(2);
}
const script = resolve(file);
process.argv = [process.argv[0], script, ...args];
await import(pathToFileURL(script).href);
