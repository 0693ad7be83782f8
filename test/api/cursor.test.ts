/** List cursors: opaque, signed, and bound to the tenant and filters they were issued for. */
import { describe, expect, it } from 'vitest';
import { createCursorCodec } from '../../functions/artifactsApi/cursor';
import { HttpProblem } from '../../functions/artifactsApi/problem';

const codec = createCursorCodec('a-server-side-secret-of-some-length');
const position = {
  created_at: '2026-11-28T09:00:00.123456+00:00',
  uuid: '5f0c6a52-8d0e-4d7b-9d53-2f3b1b1f7a10',
};
const filter = { artifact_type: 'workflow' };

function refused(fn: () => unknown) {
  expect(fn).toThrow(HttpProblem);
  try {
    fn();
  } catch (err) {
    expect((err as HttpProblem).kind).toBe('bad_request');
    expect((err as HttpProblem).message).toBe('cursor is not valid for this list');
  }
}

describe('list cursors', () => {
  const cursor = codec.encode(position, 'tenant-a', filter);

  it('round-trip for the same tenant and filters, and reveal nothing readable at a glance', () => {
    expect(codec.decode(cursor, 'tenant-a', filter)).toEqual(position);
    expect(cursor).not.toContain('tenant-a');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('are refused for another tenant or other filters', () => {
    refused(() => codec.decode(cursor, 'tenant-b', filter));
    refused(() => codec.decode(cursor, 'tenant-a', {}));
    refused(() => codec.decode(cursor, 'tenant-a', { artifact_type: 'sop' }));
    refused(() => codec.decode(cursor, 'tenant-a', { ...filter, session_id: 's' }));
  });

  it('are refused when altered, forged, or signed with another secret', () => {
    const [body, mac] = cursor.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const altered = Buffer.from(JSON.stringify({ ...payload, c: '2030-01-01T00:00:00Z' })).toString(
      'base64url',
    );
    refused(() => codec.decode(`${altered}.${mac}`, 'tenant-a', filter));
    refused(() => codec.decode(`${body}.${mac.slice(0, -2)}AA`, 'tenant-a', filter));
    refused(() => codec.decode(`${body}.`, 'tenant-a', filter));
    refused(() => codec.decode(body, 'tenant-a', filter));
    refused(() => codec.decode(`${cursor}.x`, 'tenant-a', filter));
    refused(() => codec.decode('garbage', 'tenant-a', filter));
    const other = createCursorCodec('another-server-side-secret').encode(position, 'tenant-a', filter);
    refused(() => codec.decode(other, 'tenant-a', filter));
  });
});

describe('versions cursors', () => {
  const artifact = '5f0c6a52-8d0e-4d7b-9d53-2f3b1b1f7a10';
  const cursor = codec.encodeVersions(7, 'tenant-a', artifact);
  const refusedVersions = (fn: () => unknown) => {
    expect(fn).toThrow('cursor is not valid for these versions');
  };

  it('round-trip for the same tenant and artifact', () => {
    expect(codec.decodeVersions(cursor, 'tenant-a', artifact)).toBe(7);
    expect(cursor).not.toContain('tenant-a');
  });

  it('are refused for another tenant or artifact, altered, or as list cursors (and the reverse)', () => {
    refusedVersions(() => codec.decodeVersions(cursor, 'tenant-b', artifact));
    refusedVersions(() => codec.decodeVersions(cursor, 'tenant-a', '00000000-0000-4000-8000-000000000000'));
    const [body, mac] = cursor.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const altered = Buffer.from(JSON.stringify({ ...payload, v: 99 })).toString('base64url');
    refusedVersions(() => codec.decodeVersions(`${altered}.${mac}`, 'tenant-a', artifact));
    refusedVersions(() => codec.decodeVersions(codec.encode(position, 'tenant-a', {}), 'tenant-a', artifact));
    refused(() => codec.decode(cursor, 'tenant-a', {}));
  });
});
