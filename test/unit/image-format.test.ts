import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/domain/errors';
import { detectImageType, IMAGE_TYPES, requireImageType } from '../../shared/domain/image-format';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** A real 1x1 transparent PNG. */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** A real 1x1 GIF89a. */
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function webp(payload: number[] = [0x56, 0x50, 0x38, 0x20]): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), Buffer.from(payload)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('detectImageType: the accepted formats, from their bytes', () => {
  it.each([
    ['a real PNG', PNG_1X1, 'png'],
    ['a bare PNG signature', Buffer.from(PNG_SIGNATURE), 'png'],
    ['JPEG/JFIF', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), 'jpeg'],
    ['JPEG/Exif', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10]), 'jpeg'],
    ['a real GIF89a', GIF_1X1, 'gif'],
    ['GIF87a', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'), 'gif'],
    ['GIF89a header only', Buffer.from('GIF89a', 'latin1'), 'gif'],
    ['WebP (VP8)', webp(), 'webp'],
    ['WebP (VP8L)', webp([0x56, 0x50, 0x38, 0x4c, 1, 2, 3]), 'webp'],
    ['a minimal SVG', utf8('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg'],
    ['<svg>', utf8('<svg></svg>'), 'svg'],
    ['<svg/>', utf8('<svg/>'), 'svg'],
    ['<svg followed by a newline', utf8('<svg\n  width="1"></svg>'), 'svg'],
    ['SVG after whitespace', utf8('\n\t  <svg></svg>'), 'svg'],
    ['SVG with an XML declaration', utf8('<?xml version="1.0" encoding="UTF-8"?>\n<svg></svg>'), 'svg'],
    [
      'SVG with declaration, comment and doctype',
      utf8(
        '<?xml version="1.0" standalone="no"?>\n<!-- made by a tool > with angle brackets -->\n' +
          '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
      ),
      'svg',
    ],
    [
      'SVG with a doctype internal subset',
      utf8('<!DOCTYPE svg [\n  <!ENTITY brand "Acme">\n]>\n<svg><text>&brand;</text></svg>'),
      'svg',
    ],
    ['SVG with a lower-case doctype', utf8('<!doctype svg>\n<svg/>'), 'svg'],
    ['SVG with several comments', utf8('<!-- a --><!-- b -->\n<svg/>'), 'svg'],
    ['SVG with a UTF-8 BOM', Buffer.concat([BOM, utf8('<?xml version="1.0"?><svg/>')]), 'svg'],
    ['SVG with a BOM then whitespace', Buffer.concat([BOM, utf8('  \n<svg></svg>')]), 'svg'],
  ])('%s', (_what, bytes, format) => {
    const type = detectImageType(bytes);
    expect(type).not.toBeNull();
    expect(type?.format).toBe(format);
    expect(type).toEqual(IMAGE_TYPES[format as keyof typeof IMAGE_TYPES]);
  });

  it('maps each format to its content type and extension', () => {
    expect(IMAGE_TYPES.png).toEqual({ format: 'png', contentType: 'image/png', ext: 'png' });
    expect(IMAGE_TYPES.jpeg).toEqual({ format: 'jpeg', contentType: 'image/jpeg', ext: 'jpg' });
    expect(IMAGE_TYPES.gif).toEqual({ format: 'gif', contentType: 'image/gif', ext: 'gif' });
    expect(IMAGE_TYPES.webp).toEqual({ format: 'webp', contentType: 'image/webp', ext: 'webp' });
    expect(IMAGE_TYPES.svg).toEqual({ format: 'svg', contentType: 'image/svg+xml', ext: 'svg' });
  });

  it('ignores what follows a valid header (property)', () => {
    const headers: [string, Buffer][] = [
      ['png', Buffer.from(PNG_SIGNATURE)],
      ['jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xdb])],
      ['gif', Buffer.from('GIF89a', 'latin1')],
      ['gif', Buffer.from('GIF87a', 'latin1')],
      ['webp', webp([])],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 64 }), ([format, header], tail) => {
        expect(detectImageType(Buffer.concat([header, Buffer.from(tail)]))?.format).toBe(format);
      }),
      { numRuns: 200 },
    );
  });
});

describe('detectImageType: everything else is refused', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['plain text', utf8('hello world')],
    ['JSON', utf8('{"svg": "<svg/>"}')],
    ['PDF', utf8('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['HTML', utf8('<!DOCTYPE html>\n<html><body><svg></svg></body></html>')],
    ['HTML starting with <html>', utf8('<html><svg/></html>')],
    ['<svgfoo>', utf8('<svgfoo></svgfoo>')],
    ['<svg-like>', utf8('<svg-like/>')],
    ['<svg without anything after it', utf8('<svg')],
    ['<SVG> (XML is case-sensitive)', utf8('<SVG></SVG>')],
    ['text before <svg', utf8('x<svg/>')],
    ['an unterminated comment before <svg', utf8('<!-- never closed <svg/>')],
    ['XML that is not SVG', utf8('<?xml version="1.0"?><root/>')],
    ['a truncated PNG signature', Buffer.from(PNG_SIGNATURE.slice(0, 7))],
    ['a PNG signature with one wrong byte', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b])],
    ['a truncated JPEG (2 bytes)', Buffer.from([0xff, 0xd8])],
    ['a truncated JPEG (3 bytes)', Buffer.from([0xff, 0xd8, 0xff])],
    ['a truncated GIF header', Buffer.from('GIF89', 'latin1')],
    ['GIF88a', Buffer.from('GIF88a', 'latin1')],
    ['RIFF without WEBP (WAVE)', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')],
    ['a truncated WebP header', Buffer.from('RIFF\x04\x00\x00\x00WEB', 'latin1')],
    ['WEBP at the wrong offset', Buffer.from('RIFFWEBP\x00\x00\x00\x00', 'latin1')],
    ['BMP', Buffer.from('BM\x36\x00\x00\x00\x00\x00', 'latin1')],
    ['TIFF', Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00])],
    ['ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])],
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00])],
    ['ELF', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01])],
    ['zero bytes', Buffer.alloc(16)],
  ])('%s', (_what, bytes) => {
    expect(detectImageType(bytes)).toBeNull();
  });
});

describe('requireImageType', () => {
  it('returns the type of accepted bytes', () => {
    expect(requireImageType(PNG_1X1, 'workflow_visual')).toBe(IMAGE_TYPES.png);
  });

  it('refuses other bytes with UNSUPPORTED_IMAGE naming the visual and its first bytes', () => {
    const pdf = utf8('%PDF-1.7\nrest of the file');
    let error: unknown;
    try {
      requireImageType(pdf, 'components.current_state.chart_visual');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PermanentError);
    const e = error as PermanentError;
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toContain('components.current_state.chart_visual');
    expect(e.details).toEqual({
      visual: 'components.current_state.chart_visual',
      first_bytes: pdf.subarray(0, 8).toString('hex'),
    });
  });

  it('refuses empty bytes', () => {
    expect(() => requireImageType(Buffer.alloc(0), 'v')).toThrow(PermanentError);
  });
});
