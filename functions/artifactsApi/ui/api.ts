/**
 * Calls to the API, from the same origin, with the token as `Authorization: Bearer` (never in a URL, never a
 * cookie). A failure is an ApiError carrying the status and the problem+json body; the app turns a 401 into
 * the sign-in page and the rest into an error where the answer was to go.
 */
import type { Problem } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  constructor(status: number, problem: Problem | null, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

/**
 * True for a 404 or 405: for a part of the page (versions, lineage) of an artifact that was just read, the
 * API does not serve that part (an older deployment) or has nothing for it; the page says so and goes on.
 */
export const isMissing = (err: unknown) =>
  err instanceof ApiError && (err.status === 404 || err.status === 405);

export interface Api {
  json<T>(path: string, signal: AbortSignal): Promise<T>;
  blob(path: string, signal: AbortSignal): Promise<Blob>;
}

export function createApi(token: () => string | null): Api {
  async function request(path: string, signal: AbortSignal, accept: string): Promise<Response> {
    const bearer = token();
    if (!bearer) throw new ApiError(401, null, 'not signed in');
    let res: Response;
    try {
      res = await fetch(path, {
        headers: { Authorization: `Bearer ${bearer}`, Accept: accept },
        credentials: 'omit',
        signal,
      });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError(0, null, 'the API cannot be reached');
    }
    if (res.ok) return res;
    let problem: Problem | null = null;
    try {
      problem = (await res.json()) as Problem;
    } catch {}
    throw new ApiError(res.status, problem, problem?.detail ?? (res.statusText || `HTTP ${res.status}`));
  }
  return {
    async json<T>(path: string, signal: AbortSignal) {
      return (await (await request(path, signal, 'application/json')).json()) as T;
    },
    async blob(path: string, signal: AbortSignal) {
      return (await request(path, signal, 'image/*')).blob();
    },
  };
}
