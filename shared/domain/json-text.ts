/**
 * Parsing JSON text that must come back exactly as it was sent (docs/design.md, "Exact documents"). A JSON
 * number is kept as a double: a number whose value a double cannot hold (9007199254740993, 1e400, 1e-400,
 * 0.10000000000000000001) would silently read back as another one. Such a document is refused with
 * UNSAFE_NUMBER, naming the number, instead of being stored changed.
 *
 * The check walks the text once, jumping over strings with indexOf (base64 images are skipped, not scanned),
 * and compares each number token with the shortest text of the double it parses to, as decimal values.
 */
import { PermanentError } from './errors';

/** JSON.parse, refusing (UNSAFE_NUMBER) any number that would not read back as the same value. */
export function parseExactJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PermanentError('INVALID_JSON', `${what} is not JSON: ${(err as Error).message}`);
  }
  assertExactNumbers(text, what);
  return value;
}

/** Throws UNSAFE_NUMBER for the first number token of (valid) JSON `text` that a double cannot hold. */
export function assertExactNumbers(text: string, what: string): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = endOfString(text, i + 1);
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      const token = text.slice(i, j);
      if (!isExact(token)) {
        const read = Number(token);
        throw new PermanentError(
          'UNSAFE_NUMBER',
          `${what}: the number ${abbreviate(token)} at character ${i} cannot be kept exactly (it would read back ` +
            `as ${Number.isFinite(read) ? String(read) : 'null'}); send it as a string`,
          { number: abbreviate(token), offset: i },
        );
      }
      i = j;
      continue;
    }
    i++;
  }
}

/** Index just past the closing quote of the string whose content starts at `from`. */
function endOfString(text: string, from: number): number {
  let i = from;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let k = quote - 1; k >= from && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

function isNumberChar(c: number): boolean {
  // digits . e E + -
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

function abbreviate(token: string): string {
  return token.length > 40 ? `${token.slice(0, 37)}...` : token;
}

/** True when the double `token` parses to has exactly the decimal value the token writes. */
export function isExact(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  const a = normalise(token);
  const b = normalise(String(value));
  return a.digits === b.digits && a.exponent === b.exponent && (a.digits === '' || a.negative === b.negative);
}

/** A decimal as (sign, significant digits without leading/trailing zeros, exponent of the last digit). */
function normalise(text: string): { negative: boolean; digits: string; exponent: number } {
  let s = text;
  const negative = s.startsWith('-');
  if (negative || s.startsWith('+')) s = s.slice(1);
  let exponent = 0;
  const e = s.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const dot = s.indexOf('.');
  if (dot >= 0) {
    exponent -= s.length - dot - 1;
    s = s.slice(0, dot) + s.slice(dot + 1);
  }
  s = s.replace(/^0+/, '');
  const trimmed = s.replace(/0+$/, '');
  exponent += s.length - trimmed.length;
  return { negative, digits: trimmed, exponent: trimmed === '' ? 0 : exponent };
}
