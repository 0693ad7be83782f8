import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodedLength, decodeStrictBase64 } from '../../shared/domain/base64';
import { PermanentError } from '../../shared/domain/errors';

function errorOf(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    return err as PermanentError;
  }
  throw new Error('expected a PermanentError, nothing was thrown');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decodeStrictBase64: accepts canonical padded base64', () => {
  it.each([
    ['', ''],
    ['QQ==', 'A'],
    ['QUI=', 'AB'],
    ['QUJD', 'ABC'],
    ['aGVsbG8gd29ybGQ=', 'hello world'],
    ['+/+/', Buffer.from([0xfb, 0xff, 0xbf]).toString('latin1')],
  ])('%j', (b64, text) => {
    expect(decodeStrictBase64(b64, 'v')).toEqual(Buffer.from(text, 'latin1'));
  });

  it('decodes images of tens of megabytes (no regexp stack overflow)', () => {
    const bytes = Buffer.alloc(24 * 1024 * 1024 + 1, 0xab);
    expect(decodeStrictBase64(bytes.toString('base64'), 'big').equals(bytes)).toBe(true);
  });

  it('decodes every byte string that Buffer encodes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        expect(decodedLength(b64)).toBe(bytes.length);
        expect(decodeStrictBase64(b64, 'v')).toEqual(Buffer.from(bytes));
        expect(decodeStrictBase64(b64, 'v', bytes.length)).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('decodeStrictBase64: refuses everything else with INVALID_BASE64', () => {
  it.each([
    ['a line break', 'aGVs\nbG8='],
    ['a trailing newline', 'aGVsbG8=\n'],
    ['a space', 'aGVs bG8='],
    ['a tab', '\taGVsbG8='],
    ['CRLF every 76 characters (MIME style)', `${'QUJD'.repeat(19)}\r\n${'QUJD'.repeat(2)}`],
    ['a data: URL prefix', 'data:image/png;base64,iVBORw0KGgo='],
    ['the URL-safe alphabet (-)', '-_-_'],
    ['the URL-safe alphabet (_)', 'ab_d'],
    ['missing padding', 'QQ'],
    ['missing padding (3 chars)', 'QUI'],
    ['too much padding', 'QQ==='],
    ['padding in the middle', 'QQ==QUJD'],
    ['a single padding where two are needed', 'QQ=='.slice(0, 3)],
    ['three padding characters', 'Q==='],
    ['only padding', '===='],
    ['non-zero padding bits (1 byte)', 'QR=='],
    ['non-zero padding bits (2 bytes)', 'QUJ='],
    ['non-ASCII characters', 'QUJDé==='],
    ['a NUL', 'QUJD\0'],
    ['a percent-encoded character', 'QQ%3D%3D'],
  ])('%s', (_what, b64) => {
    const err = errorOf(() => decodeStrictBase64(b64, 'workflow_visual'));
    expect(err.code).toBe('INVALID_BASE64');
    expect(err.message).toContain('workflow_visual');
    expect(err.details).toEqual({ visual: 'workflow_visual' });
  });

  it('hints at the data: URL prefix', () => {
    const err = errorOf(() => decodeStrictBase64('data:image/png;base64,iVBORw0KGgo=', 'v'));
    expect(err.message).toMatch(/data: URL prefix/);
  });

  it('any string outside the strict alphabet or padding rules is refused (property)', () => {
    const canonical = (s: string) => Buffer.from(s, 'base64').toString('base64') === s;
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (s) => {
        let decoded: Buffer | undefined;
        try {
          decoded = decodeStrictBase64(s, 'v');
        } catch (err) {
          expect(err).toBeInstanceOf(PermanentError);
          expect((err as PermanentError).code).toBe('INVALID_BASE64');
          return;
        }
        // Accepted: it must be exactly the canonical encoding of what it decodes to.
        expect(canonical(s)).toBe(true);
        expect(decoded.toString('base64')).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('decodeStrictBase64: size limit', () => {
  it('refuses with PAYLOAD_TOO_LARGE when the decoded size exceeds the limit, with the size in details', () => {
    const b64 = Buffer.alloc(11, 7).toString('base64');
    expect(decodeStrictBase64(b64, 'v', 11)).toHaveLength(11);
    const err = errorOf(() => decodeStrictBase64(b64, 'chart_visual', 10));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.details).toEqual({ visual: 'chart_visual', size: 11, limit: 10 });
    expect(err.message).toContain('chart_visual');
  });

  it('computes the size from the padding without decoding', () => {
    expect(decodedLength('')).toBe(0);
    expect(decodedLength('QQ==')).toBe(1);
    expect(decodedLength('QUI=')).toBe(2);
    expect(decodedLength('QUJD')).toBe(3);
    expect(decodedLength('QUJDQQ==')).toBe(4);
  });

  it('checks the size before decoding', () => {
    const spy = vi.spyOn(Buffer, 'from');
    const big = 'QUJD'.repeat(1000);
    const err = errorOf(() => decodeStrictBase64(big, 'v', 100));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(spy).not.toHaveBeenCalled();
  });

  it('an oversized, non-canonical string is refused for its size (nothing was decoded)', () => {
    const big = `${'QUJD'.repeat(100)}QR==`;
    expect(errorOf(() => decodeStrictBase64(big, 'v', 10)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(errorOf(() => decodeStrictBase64(big, 'v')).code).toBe('INVALID_BASE64');
  });

  it('a malformed string is INVALID_BASE64 whatever the limit', () => {
    expect(errorOf(() => decodeStrictBase64('QUJD QUJD', 'v', 1)).code).toBe('INVALID_BASE64');
  });
});
