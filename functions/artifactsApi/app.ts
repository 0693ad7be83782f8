/**
 * The artifactsApi HTTP function: request id, authentication, routing, and one error path that turns
 * everything into problem+json (401/400/404/405 from the request, 503 from an unavailable store, 500 else).
 */
import { randomUUID } from 'node:crypto';
import type { HttpFunction } from '@google-cloud/functions-framework';
import { isTransient } from '../../shared/errors';
import type { ApiDeps } from './context';
import { HttpProblem, problemOf, sendProblem } from './problem';
import { matchRoute } from './router';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApi(deps: ApiDeps): HttpFunction {
  return async function artifactsApi(req, res) {
    const given = req.header('x-request-id');
    const requestId = given && REQUEST_ID_RE.test(given) ? given : randomUUID();
    const log = deps.log.child({ request_id: requestId });
    res.setHeader('X-Request-Id', requestId);
    try {
      const match = matchRoute(req.method, req.path);
      if (!match) throw new HttpProblem('not_found', `no route for ${req.path}`);
      if ('allow' in match) {
        res.setHeader('Allow', match.allow.join(', '));
        throw new HttpProblem('method_not_allowed', `${req.method} is not allowed here`);
      }
      const tenantParam = typeof req.query.tenant_id === 'string' ? req.query.tenant_id : undefined;
      const principal = await deps.authenticate(req.header('authorization'), tenantParam);
      await match.handler({
        req,
        res,
        principal,
        params: match.params,
        deps,
        log: log.child({ tenant_id: principal.tenant_id }),
      });
    } catch (err) {
      if (res.headersSent) {
        log.error('response failed after it started', { error: err });
        res.destroy();
        return;
      }
      if (err instanceof HttpProblem) {
        const extra: Record<string, string> =
          err.kind === 'unauthorized' ? { 'WWW-Authenticate': 'Bearer' } : {};
        sendProblem(res, problemOf(err.kind, err.message, requestId), extra);
        return;
      }
      if (isTransient(err)) {
        log.warn('store unavailable', { error: err });
        sendProblem(res, problemOf('unavailable', 'a backing store is unavailable; retry later', requestId), {
          'Retry-After': '1',
        });
        return;
      }
      log.error('unexpected error', { error: err });
      sendProblem(res, problemOf('internal', 'unexpected error', requestId));
    }
  };
}
