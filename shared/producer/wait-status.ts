/**
 * What became of a published artifact (docs/design.md, "Status"): polls `GET /api/artifacts/{id}/status` of artifactsApi
 * until the outcome is known or the time is up. fetch only, so the SDK stays light.
 *
 * The outcome, as `publishArtifact(..., {wait})` resolves it (never a throw: the caller decides):
 * - `stored` with the version, once the id is stored at a version above `after` (0 for a new artifact; the
 *   revised version N for `expected_version: N`; the version latest was before publishing for `latest`);
 * - `rejected` with the store's error code: the refusal of the published message itself (its id is passed
 *   as `message_id`), so a revision refused while an earlier version is stored is reported too;
 * - `deleted`: the id is deleted (the store never reuses a deleted id);
 * - `unknown`: the time ran out (the policy did not keep it, or it is still on its way).
 *
 * Network failures, 408, 429 and 5xx are retried until the time is up; any other answer (a bad token, a 400)
 * is a configuration fault and throws.
 */

export interface WaitOptions {
  /** artifactsApi's base URL (its origin, e.g. `https://artifacts.example.com`; `/api/...` is appended). */
  apiUrl: string;
  /** A bearer token of the artifact's tenant, or a `service_role` token (then `?tenant_id=` is added). */
  token: string;
  /** How long to wait for the outcome (default 60 s). */
  timeoutMs?: number;
  /** Time between two polls (default 500 ms). */
  intervalMs?: number;
}

export type PublishOutcome =
  | { state: 'stored'; version: number }
  | { state: 'rejected'; error_code: string }
  | { state: 'deleted' }
  | { state: 'unknown' };

export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
export const DEFAULT_WAIT_INTERVAL_MS = 500;
/** One status request may take this long at most. */
const REQUEST_TIMEOUT_MS = 10_000;

const STATES = new Set<unknown>(['stored', 'rejected', 'deleted', 'unknown']);

/** A status answer, or null when it could not be had this time (retried). */
type Poll = PublishOutcome | null;

function isServiceRole(token: string): boolean {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return payload?.role === 'service_role';
  } catch {
    return false;
  }
}

function statusUrl(options: WaitOptions, artifactId: string, tenantId: string, messageId?: string): string {
  const url = new URL(
    `${options.apiUrl.replace(/\/+$/, '')}/api/artifacts/${encodeURIComponent(artifactId)}/status`,
  );
  if (messageId) url.searchParams.set('message_id', messageId);
  if (isServiceRole(options.token)) url.searchParams.set('tenant_id', tenantId);
  return url.toString();
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** One status request. */
export async function readStatus(
  options: WaitOptions,
  artifactId: string,
  tenantId: string,
  budgetMs = REQUEST_TIMEOUT_MS,
  messageId?: string,
): Promise<Poll> {
  let res: Response;
  try {
    res = await fetch(statusUrl(options, artifactId, tenantId, messageId), {
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(Math.max(1, Math.min(budgetMs, REQUEST_TIMEOUT_MS))),
    });
  } catch {
    return null;
  }
  const text = await res.text().catch(() => '');
  if (res.ok) {
    try {
      const body = JSON.parse(text) as PublishOutcome;
      return STATES.has(body?.state) ? body : null;
    } catch {
      return null;
    }
  }
  if (retryable(res.status)) return null;
  let detail = text.slice(0, 200);
  try {
    detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
  } catch {}
  throw new Error(`status of artifact ${artifactId}: HTTP ${res.status}: ${detail}`);
}

/** Polls until the outcome is known (see above) or `timeoutMs` has passed. */
export async function waitForOutcome(
  options: WaitOptions,
  artifactId: string,
  tenantId: string,
  after: number,
  /** The published message's id: its refusal is reported even when an earlier version is stored. */
  messageId?: string,
): Promise<PublishOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await readStatus(options, artifactId, tenantId, deadline - Date.now(), messageId);
    if (status?.state === 'stored' && status.version > after) return status;
    if (status?.state === 'rejected' || status?.state === 'deleted') return status;
    const left = deadline - Date.now();
    if (left <= 0) return { state: 'unknown' };
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/** The version the id is stored at now (0 when it is not stored), for `expected_version: "latest"`. */
export async function currentVersion(
  options: WaitOptions,
  artifactId: string,
  tenantId: string,
): Promise<number> {
  const status = await readStatus(options, artifactId, tenantId);
  return status?.state === 'stored' ? status.version : 0;
}
