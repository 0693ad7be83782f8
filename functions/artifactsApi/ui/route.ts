/**
 * The browser's places, kept in the URL fragment so that reloading, the back button and links work without
 * the server knowing about them: `#/` (the list, its filters as `?artifact_type=&execution_id=&session_id=`
 * and `limit`), `#/artifacts/{id}` (one artifact, `?version=N` or `?alias=A`). `#token=...` is not a place:
 * it carries a token in (session.ts) and is removed at once. Pure: no DOM.
 */

export const FILTERS = ['artifact_type', 'execution_id', 'session_id'] as const;
export type FilterName = (typeof FILTERS)[number];
export type ListFilters = Partial<Record<FilterName, string>>;

export const DEFAULT_PAGE_SIZE = 25;

export type Route =
  | { view: 'list'; filters: ListFilters; limit: number }
  | { view: 'artifact'; id: string; version?: number; alias?: string }
  | { view: 'unknown' };

function splitHash(hash: string): { path: string; params: URLSearchParams } {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const at = raw.indexOf('?');
  return {
    path: at < 0 ? raw : raw.slice(0, at),
    params: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)),
  };
}

function positiveInt(value: string | null, max: number): number | undefined {
  if (value === null || !/^[0-9]{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= max ? n : undefined;
}

export function parseRoute(hash: string): Route {
  const { path, params } = splitHash(hash);
  if (path === '' || path === '/') {
    const filters: ListFilters = {};
    for (const name of FILTERS) {
      const value = params.get(name)?.trim();
      if (value) filters[name] = value;
    }
    return { view: 'list', filters, limit: positiveInt(params.get('limit'), 200) ?? DEFAULT_PAGE_SIZE };
  }
  const match = /^\/artifacts\/([^/?]+)$/.exec(path);
  if (match) {
    let id: string;
    try {
      id = decodeURIComponent(match[1]!);
    } catch {
      return { view: 'unknown' };
    }
    const version = positiveInt(params.get('version'), 2_147_483_647);
    const alias = params.get('alias') ?? undefined;
    return {
      view: 'artifact',
      id,
      ...(version !== undefined ? { version } : alias ? { alias } : {}),
    };
  }
  return { view: 'unknown' };
}

export function listHash(filters: ListFilters = {}, limit = DEFAULT_PAGE_SIZE): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]!);
  if (limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(limit));
  const query = params.toString();
  return query ? `#/?${query}` : '#/';
}

export function artifactHash(id: string, select: { version?: number; alias?: string } = {}): string {
  const base = `#/artifacts/${encodeURIComponent(id)}`;
  if (select.version !== undefined) return `${base}?version=${select.version}`;
  if (select.alias !== undefined) return `${base}?${new URLSearchParams({ alias: select.alias })}`;
  return base;
}

/** The token a `#token=...` fragment carries (the `npm start` link), or null. */
export function tokenOfFragment(hash: string): string | null {
  if (!hash.startsWith('#token=')) return null;
  const token = new URLSearchParams(hash.slice(1)).get('token')?.trim();
  return token || null;
}

/** The query string of the list request for `filters`, a page size and a cursor. */
export function listQuery(filters: ListFilters, limit: number, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]!);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}
