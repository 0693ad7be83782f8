/**
 * Builds one deployable bundle per function: `functions/<name>/index.ts` → `dist/functions/<name>/`:
 *
 * - `index.js`: esbuild bundle (platform node, target node22, CommonJS — Google's client libraries `require`
 *   JSON files and use dynamic `require`, which ESM bundles break). Everything the function imports is inlined
 *   except `@google-cloud/functions-framework`: the function registers itself in the framework instance the
 *   runtime loads, so a second, bundled copy would hold the registration where the runtime never looks.
 * - `index.js.map`: external source map (with sources content) for mapping a Cloud Logging stack trace back to
 *   the TypeScript with any source-map tool. Not linked from the bundle, so the runtime never reads it.
 * - `package.json`: `main`, `engines`, and the framework as the only dependency, at our exact version.
 * - `package-lock.json`: the framework's dependency closure copied from our lockfile, so Cloud Build runs
 *   `npm ci` and installs exactly the versions our tests ran with.
 *
 * The build fails when a bundle contains `@google-cloud/pubsub` (only the producer publishes), anything under
 * `local/` (local stand-ins), a devDependency, or a copy of the framework, or when it leaves a module other
 * than the framework, a Node built-in or a known optional require to run time. It prints each bundle's size.
 *
 * Minify: off. Stack traces in Cloud Logging then carry real function names and lines that read like the
 * source (esbuild heads each module with a `// shared/foo.ts` comment). Minifying halves the bytes (3.1 to
 * 1.5 MiB) but did not move the cold start beyond noise (`npm run bench:cold-start -- --variants`), and the
 * archive is zipped anyway.
 * Source maps: written, not linked. Linking them and running with `--enable-source-maps` gives TypeScript
 * positions in traces but cost ~80-90 ms more per cold start in the same benchmark (Node parses the 5.7 MiB
 * map while loading); decode offline instead.
 *
 * CLI: `npm run build` (`tsx scripts/build.ts`); exit code 1 on failure.
 */

export { type BuildOptions, type BundleInfo, build } from './build/bundle';
export { OPTIONAL_REQUIRES } from './build/forbidden';
export { linkDependencies, lockfileFor } from './build/lockfile';
export { type ProbeResult, probeFunction } from './build/probe';
export { FRAMEWORK, frameworkVersion, listFunctions, packageOf, ROOT } from './build/project';
export { formatSizes } from './build/report';

import { dirname, relative } from 'node:path';
import { build } from './build/bundle';
import { isEntryPoint } from './entry-point';

if (isEntryPoint(import.meta.url)) {
  const started = performance.now();
  build()
    .then((bundles) => {
      const where = relative(process.cwd(), dirname(bundles[0]!.dir)) || '.';
      console.log(
        `built ${bundles.length} bundles in ${where}/ in ${Math.round(performance.now() - started)} ms`,
      );
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
