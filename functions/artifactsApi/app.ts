/**
 * The artifactsApi HTTP function: request id, CORS, routing, authentication, and one error path that turns
 * everything into problem+json (401/400/404/405 from the request, 503 from an unavailable store or key set,
 * 500 else). Every response carries `X-Request-Id` (the caller's, when it is a sane one, else a new UUID), and
 * every log line of the request carries it as `request_id`; one `request` line per request closes it.
 */
import { randomUUID } from 'node:crypto';
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { isTransient } from '../../shared/domain/errors';
import type { Logger } from '../../shared/platform/log';
import type { Principal } from './auth';
import type { ApiDeps } from './context';
import { answerOptions, applyCors } from './cors';
import { HttpProblem, problemOf, sendProblem } from './problem';
import { allowedMethods, findRoute, MethodNotAllowed, matchRoute } from './router';
import { validateBody, validateParams, validateQuery } from './validate';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
/** The principal of an operation that needs no token (no tenant's data). */
const ANONYMOUS: Principal = { tenant_id: '', subject: null, role: null };

export function createApi(deps: ApiDeps): HttpFunction {
  return async function artifactsApi(req, res) {
    const given = req.header('x-request-id');
    const requestId = given && REQUEST_ID_RE.test(given) ? given : randomUUID();
    let log = deps.log.child({ request_id: requestId });
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Cache-Control', 'no-store');
    applyCors(deps.cors, req, res);
    const outcome: { problem?: string } = {};
    logWhenDone(req, res, () => log, outcome);
    try {
      if (req.method === 'OPTIONS') {
        const found = findRoute(req.path);
        if (!found) throw new HttpProblem('not_found', 'no such resource');
        answerOptions(deps.cors, req, res, allowedMethods(found.route));
        return;
      }
      const { operation, params } = matchRoute(req.method, req.path);
      const principal = operation.auth
        ? await deps.authenticate(req.header('authorization'), tenantParamOf(req))
        : ANONYMOUS;
      if (operation.auth) log = log.child({ tenant_id: principal.tenant_id });
      await operation.handler({
        req,
        res,
        principal,
        params: validateParams(operation, params),
        query: validateQuery(operation.query, req.query),
        body: operation.body ? validateBody(operation.body, req) : undefined,
        deps,
        log,
      });
    } catch (err) {
      // Not `req.destroyed`: a request whose body was read to its end (a PUT's JSON) is destroyed too.
      if (res.destroyed || req.socket?.destroyed) {
        // The client went away (before or during the response): nothing to answer, nothing went wrong here.
        outcome.problem = 'client closed the connection';
        log.info('client closed the connection', { error: err });
        res.destroy();
        return;
      }
      if (res.headersSent) {
        // Streaming had begun: the status is sent, so the only honest signal left is a cut connection.
        log.error('response failed after it started', { error: err });
        res.destroy();
        return;
      }
      if (err instanceof HttpProblem) {
        outcome.problem = err.message;
        const extra: Record<string, string> =
          err.kind === 'unauthorized' ? { 'WWW-Authenticate': 'Bearer realm="artifacts"' } : {};
        if (err instanceof MethodNotAllowed) extra.Allow = err.allow.join(', ');
        sendProblem(res, problemOf(err.kind, err.message, requestId), extra);
        return;
      }
      if (isTransient(err)) {
        outcome.problem = err.message;
        log.warn('dependency unavailable', { error: err });
        sendProblem(
          res,
          problemOf('unavailable', 'a backing service is unavailable; retry later', requestId),
          {
            'Retry-After': '1',
          },
        );
        return;
      }
      outcome.problem = 'unexpected error';
      log.error('unexpected error', { error: err });
      sendProblem(res, problemOf('internal', 'unexpected error', requestId));
    }
  };
}

/**
 * `?tenant_id=` as the authenticator needs it. Given twice it is refused here, before anything else reads it.
 * Query strings never reach the log (a cursor is opaque, but it is the caller's).
 */
function tenantParamOf(req: Request): string | undefined {
  const value = req.query.tenant_id;
  if (value === undefined || typeof value === 'string') return value;
  throw new HttpProblem('bad_request', 'invalid query: tenant_id must be given once, as a string');
}

/** One `request` line when the response is done (or the connection is gone): method, path, status, time. */
function logWhenDone(req: Request, res: Response, log: () => Logger, outcome: { problem?: string }): void {
  const started = performance.now();
  res.once('close', () => {
    const fields = {
      method: req.method,
      path: req.path,
      status: res.statusCode,
      duration_ms: Math.round(performance.now() - started),
      ...(outcome.problem ? { problem: outcome.problem } : {}),
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (res.statusCode >= 500) log().warn('request', fields);
    else log().info('request', fields);
  });
}
