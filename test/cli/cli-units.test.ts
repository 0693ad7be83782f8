/** The CLI's pieces that need no stack: type suggestions, progress on a terminal only, bundle staleness. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { withProgress } from '../../cli/progress';
import { requestFrom } from '../../cli/publish-command';
import { editDistance, nearestKnownType, unknownTypeMessage } from '../../cli/type-check';
import { staleReason } from '../../scripts/build-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('unknown types', () => {
  it('names the nearest known type for a slip, and lists them otherwise', () => {
    expect(editDistance('wrkflow', 'workflow')).toBe(1);
    expect(editDistance('wokrflow', 'workflow')).toBe(1); // a transposition
    expect(nearestKnownType('wrkflow')).toBe('workflow');
    expect(nearestKnownType('roadmp')).toBe('roadmap');
    expect(nearestKnownType('hybrid')).toBe('hybrid_embeddings');
    expect(nearestKnownType('sops')).toBe('sop');
    expect(nearestKnownType('invoice')).toBeUndefined();
    expect(unknownTypeMessage('wrkflow')).toBe('unknown type wrkflow; did you mean workflow?');
    expect(unknownTypeMessage('invoice')).toMatch(
      /^unknown type invoice \(known: workflow, sop, .*hybrid_embeddings\)/,
    );
    expect(unknownTypeMessage('workflow')).toBeUndefined();
  });
});

describe('publish options', () => {
  it('--revise sets expected_version (a number, or latest), --alias the aliases', () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-request-'));
    dirs.push(root);
    const file = join(root, 'bare.json');
    writeFileSync(file, JSON.stringify({ workflow: { id: 'w', steps: [] } }));
    const base = { type: 'workflow', tenant: 't1' };
    expect(requestFrom(file, { ...base, revise: '2', alias: ['prod', 'eu'] })).toMatchObject({
      expected_version: 2,
      aliases: ['prod', 'eu'],
    });
    expect(requestFrom(file, { ...base, revise: 'latest' }).expected_version).toBe('latest');
    const plain = requestFrom(file, base);
    expect(plain.expected_version).toBeUndefined();
    expect(plain.aliases).toBeUndefined();
    expect(() => requestFrom(file, { ...base, revise: '-1' })).toThrow(/--revise takes/);
  });
});

describe('progress', () => {
  const stream = (isTTY: boolean) => {
    const s = new PassThrough() as PassThrough & { isTTY: boolean };
    s.isTTY = isTTY;
    const chunks: string[] = [];
    s.on('data', (c: Buffer) => chunks.push(c.toString()));
    return { s: s as unknown as NodeJS.WriteStream, chunks };
  };
  const slow = () => new Promise<string>((r) => setTimeout(() => r('done'), 450));

  it('draws a spinner with the label and elapsed time on a terminal, then erases it', async () => {
    const { s, chunks } = stream(true);
    expect(await withProgress('publishing via x', slow, s)).toBe('done');
    const text = chunks.join('');
    expect(text).toMatch(/publishing via x \d\.\d s/);
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes nothing when stderr is not a terminal, or when the work is quick', async () => {
    const pipe = stream(false);
    await withProgress('publishing', slow, pipe.s);
    expect(pipe.chunks).toEqual([]);
    const quick = stream(true);
    await withProgress('publishing', async () => 'fast', quick.s);
    expect(quick.chunks).toEqual([]);
  });
});

describe('CLI bundle staleness', () => {
  it('is stale when missing, when an input is newer than the build, or gone', () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-stale-'));
    dirs.push(root);
    const out = join(root, 'dist');
    expect(staleReason(out, root)).toBe('not built yet');
    mkdirSync(out);
    writeFileSync(join(root, 'a.ts'), 'export {}');
    writeFileSync(join(out, 'artifact-store.js'), '');
    const builtAt = Date.now();
    writeFileSync(join(out, 'inputs.json'), JSON.stringify({ builtAt, inputs: ['a.ts'] }));
    utimesSync(join(root, 'a.ts'), new Date(builtAt - 10_000), new Date(builtAt - 10_000));
    expect(staleReason(out, root)).toBeUndefined();
    utimesSync(join(root, 'a.ts'), new Date(builtAt + 10_000), new Date(builtAt + 10_000));
    expect(staleReason(out, root)).toBe('a.ts changed');
    rmSync(join(root, 'a.ts'));
    expect(staleReason(out, root)).toBe('a.ts is gone');
  });
});
