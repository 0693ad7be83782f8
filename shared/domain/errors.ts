/**
 * One error taxonomy for the whole store (docs/design.md, "Bad input and failures").
 *
 * - PermanentError: the input can never succeed (schema, bad base64, unknown image bytes, size, unsafe names,
 *   id conflict). Event handlers acknowledge it, log it with its stable `code`, and quarantine the message.
 * - TransientError: the world is temporarily broken (storage 5xx, timeouts, database down, supabase-js
 *   `status: 0`). Event handlers rethrow it so Pub/Sub or Eventarc redelivers.
 *
 * Anything else thrown is a bug and is treated as transient by the handlers (redelivery, then dead letter),
 * never silently dropped.
 */

export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_MESSAGE',
  'INVALID_ARTIFACT',
  'UNSAFE_NUMBER',
  'UNSAFE_NAME',
  'INVALID_BASE64',
  'UNSUPPORTED_IMAGE',
  'PAYLOAD_TOO_LARGE',
  'STAGED_OBJECT_MISSING',
  'ID_CONFLICT',
  'VERSION_CONFLICT',
  'TENANT_CONFLICT',
  'ARTIFACT_DELETED',
  'INVALID_CONFIG',
  'INVALID_POLICY',
  'INVALID_ROW',
  'INVALID_MANIFEST',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

export function isPermanent(err: unknown): err is PermanentError {
  return err instanceof PermanentError;
}

export function isTransient(err: unknown): err is TransientError {
  return err instanceof TransientError;
}

/** HTTP statuses that a retry can fix: timeouts, throttling and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** Node network error codes that mean "try again later". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True for errors raised by a socket or fetch that never got an answer. */
export function isNetworkError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if ((e as { name?: unknown }).name === 'AbortError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof TypeError && /fetch failed/i.test(err.message);
}
