/** Web origins (CORS_ORIGINS): the one rule for what counts as an origin, used by the config and the API. */

/** `scheme://host[:port]` as browsers send it in `Origin` (lower case, default port omitted), or null. */
export function normalizeOrigin(value: string): string | null {
  const trimmed = value.trim();
  if (!/^https?:\/\/[^/?#\s*@]+\/?$/i.test(trimmed)) return null;
  try {
    return new URL(trimmed).origin;
  } catch {
    return null;
  }
}
