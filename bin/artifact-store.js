#!/usr/bin/env node
// The artifact-store CLI (cli/artifact-store.ts), run from its bundle in dist/cli/, which is built on the
// first call after a fresh clone and rebuilt when a source is newer (scripts/build-cli.js).
import { pathToFileURL } from 'node:url';
import { ensureCliBundle } from '../scripts/build-cli.js';

const bundle = await ensureCliBundle((why) => {
  if (process.stderr.isTTY) process.stderr.write(`artifact-store: building the CLI (${why})...\n`);
});
await import(pathToFileURL(bundle).href);
