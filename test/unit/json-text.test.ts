import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PermanentError } from '../../shared/domain/errors';
import { assertExactNumbers, isExact, parseExactJson } from '../../shared/domain/json-text';

const codeOf = (text: string) => {
  try {
    parseExactJson(text, 'doc');
    return null;
  } catch (err) {
    return (err as PermanentError).code;
  }
};

describe('numbers that a double holds exactly', () => {
  it.each([
    '0',
    '-0',
    '1',
    '-17',
    '1.0',
    '0.1',
    '1e2',
    '1E+2',
    '2.5e-3',
    '9007199254740991',
    '-9007199254740992',
    '100000000000000000000',
    '1.7976931348623157e308',
    '5e-324',
    '123.456000',
  ])('%s is kept', (token) => {
    expect(isExact(token)).toBe(true);
  });

  it.each([
    ['9007199254740993', 'an integer past 2^53'],
    ['1e400', 'an overflow to Infinity'],
    ['-1e400', 'a negative overflow'],
    ['1e-400', 'an underflow to 0'],
    ['0.10000000000000000001', 'more digits than a double keeps'],
    ['12345678901234567890123', 'a long integer'],
  ])('%s is refused (%s)', (token) => {
    expect(isExact(token)).toBe(false);
  });

  it('whatever JSON.stringify writes for a double reads back as exact (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(isExact(JSON.stringify(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseExactJson', () => {
  it('parses a document whose numbers are all exact', () => {
    expect(parseExactJson('{"a": [1, 2.5, -3e2], "b": {"c": 0.1}}', 'doc')).toEqual({
      a: [1, 2.5, -300],
      b: { c: 0.1 },
    });
  });

  it('refuses the first inexact number with UNSAFE_NUMBER, naming it and what it would read back as', () => {
    expect(() => parseExactJson('{"id": 9007199254740993}', 'message data')).toThrow(
      /message data: the number 9007199254740993 at character 7 cannot be kept exactly \(it would read back as 9007199254740992\)/,
    );
    expect(codeOf('[1e400]')).toBe('UNSAFE_NUMBER');
    expect(() => parseExactJson('[1e400]', 'doc')).toThrow(/read back as null/);
  });

  it('ignores digits inside strings, escaped quotes included', () => {
    expect(codeOf('{"s": "9007199254740993", "t": "a\\\\\\"1e400", "u": "\\\\"}')).toBeNull();
    expect(codeOf('{"s": "x\\\\", "n": 9007199254740993}')).toBe('UNSAFE_NUMBER');
  });

  it('is INVALID_JSON for text that is not JSON', () => {
    expect(codeOf('{"a": ')).toBe('INVALID_JSON');
  });

  it('finds the number after a long string (a base64 image) at its true offset', () => {
    const text = JSON.stringify({ workflow_visual: { image_base64: '9'.repeat(1_000_000) } }).slice(0, -1);
    const doc = `${text}, "n": 9007199254740993}`;
    expect(() => assertExactNumbers(doc, 'doc')).toThrow(new RegExp(`at character ${doc.indexOf('9007')}`));
  });
});
