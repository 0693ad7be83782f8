/** What a function bundle must never contain, and the modules it may leave to run time. */
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { FRAMEWORK, packageOf, type RootPackageJson, readJson } from './project';

/** What must never be inside a function bundle, with the reason given when it is. */
export interface Forbidden {
  test: (input: string) => boolean;
  why: string;
}

export const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Packages a bundled library may `require` without their being installed: each such require sits in a
 * try/catch of the library and is optional. Any other module left external fails the build.
 */
export const OPTIONAL_REQUIRES: Record<string, string> = {
  encoding: 'node-fetch (via the Google auth stack) tries it for non-UTF-8 bodies',
  'supports-color': 'debug tries it for coloured output',
};

export function forbiddenInputs(root: string): Forbidden[] {
  const pkg = readJson<RootPackageJson>(join(root, 'package.json'));
  const devOnly = Object.keys(pkg.devDependencies ?? {}).filter((d) => !pkg.dependencies?.[d]);
  return [
    {
      test: (i) => packageOf(i) === '@google-cloud/pubsub',
      why: 'the Pub/Sub client belongs to the producer (shared/publish*, CLI), never to a function',
    },
    {
      test: (i) => i === 'local' || i.startsWith('local/'),
      why: 'local/ holds stand-ins for the local stack only',
    },
    {
      test: (i) => packageOf(i) === FRAMEWORK,
      why: 'the framework must stay external: the runtime registers functions in its own copy',
    },
    {
      test: (i) => devOnly.includes(packageOf(i) ?? ''),
      why: 'devDependencies are not installed in production',
    },
  ];
}
