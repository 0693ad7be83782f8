/**
 * Opaque list cursors: the keyset position, bound to the tenant and filters it was issued for, and signed
 * (HMAC-SHA256), so a forged, altered or foreign cursor is refused (400) instead of paging anything.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ListFilter, ListPosition } from '../../shared/adapters/metadata-store';
import { HttpProblem } from './problem';

export interface CursorCodec {
  encode(position: ListPosition, tenantId: string, filter: ListFilter): string;
  decode(cursor: string, tenantId: string, filter: ListFilter): ListPosition;
}

function scope(tenantId: string, filter: ListFilter): string {
  const canonical = JSON.stringify([
    tenantId,
    filter.artifact_type ?? null,
    filter.execution_id ?? null,
    filter.session_id ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** `secret` is any server-side secret; a purpose-bound key is derived from it. */
export function createCursorCodec(secret: string): CursorCodec {
  const key = createHmac('sha256', secret).update('artifact-store list cursor v1').digest();
  const sign = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  const invalid = () => new HttpProblem('bad_request', 'cursor is not valid for this list');

  return {
    encode(position, tenantId, filter) {
      const body = Buffer.from(
        JSON.stringify({ c: position.created_at, u: position.uuid, s: scope(tenantId, filter) }),
      ).toString('base64url');
      return `${body}.${sign(body)}`;
    },
    decode(cursor, tenantId, filter) {
      const [body, mac, ...rest] = cursor.split('.');
      if (!body || !mac || rest.length > 0) throw invalid();
      const expected = Buffer.from(sign(body));
      const given = Buffer.from(mac);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      let parsed: { c?: unknown; u?: unknown; s?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (
        parsed.s !== scope(tenantId, filter) ||
        typeof parsed.c !== 'string' ||
        typeof parsed.u !== 'string'
      )
        throw invalid();
      return { created_at: parsed.c, uuid: parsed.u };
    },
  };
}
