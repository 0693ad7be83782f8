/**
 * Opaque page cursors: the keyset position, bound to what it was issued for, and signed (HMAC-SHA256), so a
 * forged, altered or foreign cursor is refused (400) instead of paging anything.
 *
 * - list cursors (`GET /api/artifacts`): bound to the tenant and the filters;
 * - versions cursors (`GET /api/artifacts/{id}/versions`): bound to the tenant and the artifact.
 *
 * The two scopes never coincide, so a cursor of one kind is refused by the other.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ListFilter, ListPosition } from '../../shared/adapters/metadata-store';
import { HttpProblem } from './problem';

export interface CursorCodec {
  encode(position: ListPosition, tenantId: string, filter: ListFilter): string;
  decode(cursor: string, tenantId: string, filter: ListFilter): ListPosition;
  /** A versions page's cursor: the version the next page starts below. */
  encodeVersions(before: number, tenantId: string, artifactId: string): string;
  decodeVersions(cursor: string, tenantId: string, artifactId: string): number;
}

const digest = (parts: unknown[]) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);

function listScope(tenantId: string, filter: ListFilter): string {
  return digest([
    tenantId,
    filter.artifact_type ?? null,
    filter.execution_id ?? null,
    filter.session_id ?? null,
    filter.derived_from ?? null,
  ]);
}

const versionsScope = (tenantId: string, artifactId: string) => digest(['versions', tenantId, artifactId]);

/** `secret` is any server-side secret; a purpose-bound key is derived from it. */
export function createCursorCodec(secret: string): CursorCodec {
  const key = createHmac('sha256', secret).update('artifact-store list cursor v1').digest();
  const sign = (body: string) => createHmac('sha256', key).update(body).digest('base64url');

  const seal = (payload: Record<string, unknown>) => {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${sign(body)}`;
  };
  /** The payload of a cursor signed by us for `scope`; a 400 otherwise. */
  const open = (cursor: string, scope: string, invalid: () => HttpProblem): Record<string, unknown> => {
    const [body, mac, ...rest] = cursor.split('.');
    if (!body || !mac || rest.length > 0) throw invalid();
    const expected = Buffer.from(sign(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { s?: unknown }).s !== scope) {
      throw invalid();
    }
    return parsed as Record<string, unknown>;
  };
  const invalidList = () => new HttpProblem('bad_request', 'cursor is not valid for this list');
  const invalidVersions = () => new HttpProblem('bad_request', 'cursor is not valid for these versions');

  return {
    encode(position, tenantId, filter) {
      return seal({ c: position.created_at, u: position.uuid, s: listScope(tenantId, filter) });
    },
    decode(cursor, tenantId, filter) {
      const parsed = open(cursor, listScope(tenantId, filter), invalidList);
      if (typeof parsed.c !== 'string' || typeof parsed.u !== 'string') throw invalidList();
      return { created_at: parsed.c, uuid: parsed.u };
    },
    encodeVersions(before, tenantId, artifactId) {
      return seal({ v: before, s: versionsScope(tenantId, artifactId) });
    },
    decodeVersions(cursor, tenantId, artifactId) {
      const parsed = open(cursor, versionsScope(tenantId, artifactId), invalidVersions);
      if (!Number.isSafeInteger(parsed.v) || (parsed.v as number) < 1) throw invalidVersions();
      return parsed.v as number;
    },
  };
}
