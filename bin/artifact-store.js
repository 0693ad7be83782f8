#!/usr/bin/env node
// The artifact-store CLI (cli/artifact-store.ts), run from source through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/artifact-store.ts');
