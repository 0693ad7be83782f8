/**
 * The token: kept in this tab's sessionStorage only (never localStorage or a cookie), so it is gone when the
 * tab closes and no other tab or site ever sends it. A `#token=...` fragment is taken in and removed from
 * the URL (history.replaceState) before anything else runs, so it stays out of the history and bookmarks.
 */
import { tokenOfFragment } from './route';

const KEY = 'artifact-store.token';

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {}
}

/** Takes the token out of a `#token=...` fragment, if there is one. True when it did. */
export function adoptFragmentToken(): boolean {
  const token = tokenOfFragment(location.hash);
  if (!token) return false;
  saveToken(token);
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  return true;
}

/** A pasted token, cleaned (`Bearer ` prefix and whitespace removed), or an error message. */
export function checkPastedToken(text: string): { token: string } | { error: string } {
  const token = text.trim().replace(/^Bearer\s+/i, '');
  if (!token) return { error: 'Paste a token first.' };
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token))
    return { error: 'That is not a JWT: it should be three dot-separated parts (header.payload.signature).' };
  return { token };
}

export interface TokenClaims {
  tenant?: string;
  subject?: string;
  expiresAt?: Date;
}

/**
 * What the token says about itself, for display only (the API checks the token; this never decides
 * anything). The tenant is read from the default claim, `app_metadata.tenant_id`.
 */
export function claimsOf(token: string): TokenClaims {
  try {
    const part = token.split('.')[1] ?? '';
    const binary = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as Record<string, unknown>;
    const meta = claims.app_metadata as Record<string, unknown> | undefined;
    const out: TokenClaims = {};
    if (typeof meta?.tenant_id === 'string') out.tenant = meta.tenant_id;
    if (typeof claims.sub === 'string') out.subject = claims.sub;
    if (typeof claims.exp === 'number') out.expiresAt = new Date(claims.exp * 1000);
    return out;
  } catch {
    return {};
  }
}
