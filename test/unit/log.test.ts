import { afterEach, describe, expect, it, vi } from 'vitest';
import { PermanentError } from '../../shared/domain/errors';
import { createLogger, type Severity } from '../../shared/platform/log';

function capture(base: Record<string, unknown> = {}, minSeverity?: Severity) {
  const lines: string[] = [];
  const log = createLogger(base, {
    sink: (line) => lines.push(line),
    ...(minSeverity ? { minSeverity } : {}),
  });
  const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, entries };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('createLogger', () => {
  it('writes one JSON line per call with severity, message, time and the fields', () => {
    const { log, lines, entries } = capture({}, 'DEBUG');
    log.info('stored artifact', { artifact_id: 'a1', size: 12, nested: { ok: true } });
    log.warn('override ignored');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain('\n');
    const [first, second] = entries();
    expect(first).toMatchObject({
      severity: 'INFO',
      message: 'stored artifact',
      artifact_id: 'a1',
      size: 12,
      nested: { ok: true },
    });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({ severity: 'WARNING', message: 'override ignored' });
  });

  it('maps each method to its Cloud Logging severity', () => {
    const { log, entries } = capture({}, 'DEBUG');
    log.debug('d');
    log.info('i');
    log.notice('n');
    log.warn('w');
    log.error('e');
    expect(entries().map((e) => [e.severity, e.message])).toEqual([
      ['DEBUG', 'd'],
      ['INFO', 'i'],
      ['NOTICE', 'n'],
      ['WARNING', 'w'],
      ['ERROR', 'e'],
    ]);
  });

  it('adds base fields and child fields to every line; a child adds, overrides, and leaves its parent alone', () => {
    const { log, entries } = capture({ function: 'storeArtifact', component: 'base' });
    const child = log.child({ message_id: 'm-1', component: 'child' });
    const grandchild = child.child({ artifact_id: 'a-1' });
    child.info('from child', { step: 1 });
    grandchild.info('from grandchild');
    log.info('from parent');
    const [c, g, p] = entries();
    expect(c).toMatchObject({ function: 'storeArtifact', component: 'child', message_id: 'm-1', step: 1 });
    expect(g).toMatchObject({
      function: 'storeArtifact',
      message_id: 'm-1',
      artifact_id: 'a-1',
      message: 'from grandchild',
    });
    expect(p).toMatchObject({ function: 'storeArtifact', component: 'base' });
    expect(p).not.toHaveProperty('message_id');
  });

  it('serialises errors with name, message, code and stack', () => {
    const { log, entries } = capture();
    log.error('store failed', {
      error: new PermanentError('ID_CONFLICT', 'different content under an existing id'),
      plain: new TypeError('boom'),
      network: Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }),
    });
    const [entry] = entries();
    expect(entry!.error).toMatchObject({
      name: 'PermanentError',
      message: 'different content under an existing id',
      code: 'ID_CONFLICT',
    });
    expect((entry!.error as { stack: string }).stack).toContain('different content under an existing id');
    expect(entry!.plain).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(entry!.plain).not.toHaveProperty('code');
    expect(entry!.network).toMatchObject({ name: 'Error', message: 'connect refused', code: 'ECONNREFUSED' });
  });

  it('drops lines below the minimum severity, in children too', () => {
    const { log, entries } = capture({}, 'WARNING');
    log.debug('d');
    log.info('i');
    log.notice('n');
    log.warn('w');
    log.error('e');
    log.child({ x: 1 }).info('child info');
    log.child({ x: 1 }).error('child error');
    expect(entries().map((e) => e.message)).toEqual(['w', 'e', 'child error']);
  });

  it('defaults to INFO, or LOG_LEVEL when set', () => {
    const lines: string[] = [];
    const sink = (line: string) => lines.push(line);
    createLogger({}, { sink }).debug('hidden');
    createLogger({}, { sink }).info('shown');
    vi.stubEnv('LOG_LEVEL', 'error');
    createLogger({}, { sink }).warn('hidden by LOG_LEVEL');
    createLogger({}, { sink }).error('shown by LOG_LEVEL');
    vi.stubEnv('LOG_LEVEL', 'debug');
    createLogger({}, { sink }).debug('debug shown');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['shown', 'shown by LOG_LEVEL', 'debug shown']);
  });

  it('writes to stdout by default', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    createLogger({ fn: 'x' }, { minSeverity: 'INFO' }).info('to stdout');
    expect(write).toHaveBeenCalledTimes(1);
    const text = String(write.mock.calls[0]![0]);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ severity: 'INFO', message: 'to stdout', fn: 'x' });
  });

  it('keeps severity, message and time even when a field has the same name', () => {
    const lines: string[] = [];
    createLogger({ message: 'base' }, { sink: (l) => lines.push(l), minSeverity: 'DEBUG' }).error('real', {
      severity: 'DEBUG',
      message: 'fake',
      time: 'never',
    });
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ severity: 'ERROR', message: 'real' });
    expect(entry.time).not.toBe('never');
  });
});
