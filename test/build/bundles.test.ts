/**
 * scripts/build.ts: one deployable bundle per function, holding only what the function imports, runnable
 * with nothing but its package.json's dependencies installed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundleInfo,
  build,
  FRAMEWORK,
  linkDependencies,
  listFunctions,
  lockfileFor,
  OPTIONAL_REQUIRES,
  packageOf,
  probeFunction,
  ROOT,
} from '../../scripts/build';
import { FUNCTION_CONFIGS } from '../../shared/platform/config';

const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

/** The signature type each function registers (docs/design.md, "Pipeline"). */
const SIGNATURES = {
  artifactsApi: 'http',
  reconcileArtifacts: 'http',
  storeArtifact: 'cloudevent',
  syncArtifactMetadata: 'cloudevent',
};

/** A configuration every function accepts: they validate theirs while loading. */
const ENV = {
  GOOGLE_CLOUD_PROJECT: 'build-test',
  ARTIFACT_BUCKET: 'build-test-artifacts',
  SUPABASE_URL: 'https://build-test.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: 'build-test-service-role-key-0123456789',
  SUPABASE_JWT_SECRET: 'build-test-jwt-secret-0123456789abcdef0123',
};

let outDir: string;
let bundles: BundleInfo[];
let printed: string[];
let buildMs: number;

beforeAll(async () => {
  // Outside the repository: the bundles can then resolve nothing but what linkDependencies installs.
  outDir = mkdtempSync(join(tmpdir(), 'artifact-store-bundles-'));
  printed = [];
  const started = performance.now();
  bundles = await build({ outDir, log: (line) => printed.push(line) });
  buildMs = performance.now() - started;
  for (const b of bundles) linkDependencies(b.dir);
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('build()', () => {
  it('makes one bundle per function folder, one per configured function', () => {
    expect(bundles.map((b) => b.name)).toEqual(listFunctions());
    expect(Object.keys(SIGNATURES).sort(), 'every function has its expected signature here').toEqual(
      listFunctions().sort(),
    );
    expect(bundles.map((b) => b.name).sort()).toEqual(Object.keys(FUNCTION_CONFIGS).sort());
    for (const b of bundles) {
      expect(b.dir).toBe(join(outDir, b.name));
      expect(b.bytes).toBeGreaterThan(0);
      expect(b.gzipBytes).toBeLessThan(b.bytes);
    }
  });

  it('prints each bundle with its raw and gzip size', () => {
    const table = printed.join('\n');
    expect(table).toMatch(/index\.js\s+gzip/);
    for (const b of bundles) {
      expect(table).toMatch(
        new RegExp(
          `^${b.name}\\s+${(b.bytes / 1024).toFixed(1)} KiB\\s+${(b.gzipBytes / 1024).toFixed(1)} KiB`,
          'm',
        ),
      );
    }
  });

  it('is quick', () => {
    // 1.5 s on an idle machine; generous here because test files run in parallel.
    expect(buildMs).toBeLessThan(15_000);
  });

  it('no bundle contains the Pub/Sub client, a local/ stand-in, a devDependency or the framework', () => {
    const devOnly = Object.keys(rootPackage.devDependencies).filter((d) => !rootPackage.dependencies[d]);
    for (const b of bundles) {
      expect(b.packages, b.name).not.toContain('@google-cloud/pubsub');
      expect(b.packages, b.name).not.toContain(FRAMEWORK);
      for (const d of devOnly) expect(b.packages, `${b.name} bundles devDependency ${d}`).not.toContain(d);
      expect(
        b.inputs.filter((i) => i.startsWith('local/')),
        b.name,
      ).toEqual([]);
      const code = readFileSync(b.file, 'utf8');
      expect(code, `${b.name} holds no Pub/Sub client`).not.toMatch(
        /google\.pubsub\.v1\.Publisher|class PubSub\b/,
      );
    }
  });

  it('each bundle holds its own function and the SDKs it uses', () => {
    for (const b of bundles) {
      expect(b.inputs, b.name).toContain(`functions/${b.name}/index.ts`);
      expect(
        b.inputs.filter((i) => i.startsWith('functions/') && !i.startsWith(`functions/${b.name}/`)),
      ).toEqual([]);
      expect(b.packages).toEqual(
        expect.arrayContaining(['@google-cloud/storage', '@supabase/supabase-js', 'zod']),
      );
    }
    // The API verifies JWTs; the event functions have no use for jose.
    expect(bundles.find((b) => b.name === 'artifactsApi')!.packages).toContain('jose');
  });

  it('embeds the artifact browser in artifactsApi only, within 20 KiB gzipped, and prints its weight', () => {
    const api = bundles.find((b) => b.name === 'artifactsApi')!;
    expect(api.browser?.map((f) => f.path)).toEqual(['/', '/ui/app.js', '/ui/app.css']);
    const gzip = api.browser!.reduce((n, f) => n + f.gzipBytes, 0);
    expect(gzip).toBeLessThan(20 * 1024);
    expect(api.inputs).toContain('functions/artifactsApi/ui/main.ts');
    expect(readFileSync(api.file, 'utf8')).toMatch(/\/ui\/app\.js\?v=[0-9a-f]{16}/);
    for (const b of bundles) if (b !== api) expect(b.browser, b.name).toBeUndefined();
    expect(printed.join('\n')).toMatch(/^artifactsApi \/ui\/app\.js\s+[\d.]+ KiB\s+[\d.]+ KiB$/m);
  });

  it('leaves only the framework, Node built-ins and known optional requires to run time', () => {
    for (const b of bundles) {
      expect(b.externals).toContain(FRAMEWORK);
      for (const e of b.externals) {
        const allowed =
          e === FRAMEWORK || builtinModules.includes(e.replace(/^node:/, '')) || e in OPTIONAL_REQUIRES;
        expect(allowed, `${b.name} requires ${e} at run time`).toBe(true);
      }
    }
  });

  it('writes the package.json Cloud Build installs from', () => {
    for (const b of bundles) {
      const manifest = JSON.parse(readFileSync(join(b.dir, 'package.json'), 'utf8'));
      expect(manifest).toEqual({
        name: expect.stringMatching(/^artifact-store-[a-z-]+$/),
        version: rootPackage.version,
        private: true,
        description: expect.any(String),
        main: 'index.js',
        type: 'commonjs',
        engines: { node: '>=22' },
        dependencies: { [FRAMEWORK]: rootPackage.dependencies[FRAMEWORK] },
      });
      expect(rootPackage.dependencies[FRAMEWORK]).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('writes a lockfile holding exactly the framework closure, at the versions of ours', () => {
    for (const b of bundles) {
      const lock = JSON.parse(readFileSync(join(b.dir, 'package-lock.json'), 'utf8'));
      expect(lock.lockfileVersion).toBe(3);
      expect(lock.packages[''].dependencies).toEqual({ [FRAMEWORK]: rootPackage.dependencies[FRAMEWORK] });
      expect(lock.packages[`node_modules/${FRAMEWORK}`].version).toBe(rootPackage.dependencies[FRAMEWORK]);
      for (const [location, entry] of Object.entries(lock.packages as Record<string, { version?: string }>)) {
        if (location === '') continue;
        expect(entry.version, location).toBe(rootLock.packages[location].version);
        expect(entry).not.toHaveProperty('dev');
      }
      expect(Object.keys(lock.packages)).not.toContain('node_modules/@google-cloud/pubsub');
    }
  });

  it('writes a source map beside each bundle without linking it', () => {
    for (const b of bundles) {
      const map = JSON.parse(readFileSync(`${b.file}.map`, 'utf8'));
      expect(map.sources.some((s: string) => s.endsWith(`functions/${b.name}/index.ts`))).toBe(true);
      expect(readFileSync(b.file, 'utf8')).not.toMatch(/sourceMappingURL/);
    }
  });

  it.each(Object.entries(SIGNATURES))(
    '%s loads with only its installed dependencies and registers itself as a %s function',
    (name, signature) => {
      const b = bundles.find((x) => x.name === name)!;
      const probe = probeFunction(b.dir, name, { env: ENV });
      expect(probe.declarative, probe.stderr).toBe(true);
      expect(probe.signatureType).toBe(signature);
    },
  );

  it('a bundle that reached for the Pub/Sub client or a local/ stand-in fails the build', async () => {
    // Fixtures inside the repository (dist/ is ignored) so that they resolve node_modules and local/.
    const fixtures = mkdtempSync(join(ROOT, 'dist', '.build-test-'));
    try {
      const write = (name: string, code: string) => {
        mkdirSync(join(fixtures, 'functions', name), { recursive: true });
        writeFileSync(join(fixtures, 'functions', name, 'index.ts'), code);
      };
      const local = relative(join(fixtures, 'functions', 'x'), join(ROOT, 'local', 'net'))
        .split('\\')
        .join('/');
      write('publishes', "import { PubSub } from '@google-cloud/pubsub';\nexport const p = new PubSub();\n");
      write('usesLocal', `import { freePort } from '${local}';\nexport const f = freePort;\n`);
      const functionsDir = join(fixtures, 'functions');
      const outDir = join(fixtures, 'out');
      await expect(build({ functionsDir, outDir, only: ['publishes'], log: () => {} })).rejects.toThrow(
        /publishes bundle contains node_modules\/@google-cloud\/pubsub\/.*producer/,
      );
      await expect(build({ functionsDir, outDir, only: ['usesLocal'], log: () => {} })).rejects.toThrow(
        /usesLocal bundle contains local\/net\.ts/,
      );
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  it('packageOf names the innermost package of a path', () => {
    expect(packageOf('node_modules/@google-cloud/storage/build/esm/src/index.js')).toBe(
      '@google-cloud/storage',
    );
    expect(packageOf('node_modules/gaxios/node_modules/uuid/dist/index.js')).toBe('uuid');
    expect(packageOf('shared/config.ts')).toBeUndefined();
  });

  it('lockfileFor resolves nested installs the way Node does', () => {
    const lock = lockfileFor(
      { name: 'x', version: '1.0.0', dependencies: { a: '1.0.0' } },
      {
        packages: {
          'node_modules/a': { version: '1.0.0', dependencies: { b: '^2' } },
          'node_modules/a/node_modules/b': { version: '2.0.0', dependencies: { c: '*' } },
          'node_modules/b': { version: '1.0.0', dev: true },
          'node_modules/c': { version: '3.0.0', optionalDependencies: { missing: '*' } },
          'node_modules/unrelated': { version: '9.9.9' },
        },
      },
    ) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages)).toEqual([
      '',
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/c',
    ]);
  });
});
