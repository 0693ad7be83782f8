/**
 * The API's routes: method and path pattern to handler. Unknown paths are 404, known paths with another method
 * 405 (with `Allow`). HEAD is served by the GET handler (which skips the body work). Every route needs a token
 * except the OpenAPI document.
 */
import type { PublicRouteContext, RouteContext } from './context';
import { HttpProblem } from './problem';
import { deleteArtifact } from './routes/delete-artifact';
import { getArtifact } from './routes/get-artifact';
import { getOpenApi } from './routes/get-openapi';
import { getVisual } from './routes/get-visual';
import { listArtifacts } from './routes/list-artifacts';

export type RouteHandler = (ctx: RouteContext) => Promise<void>;
export type PublicRouteHandler = (ctx: PublicRouteContext) => Promise<void>;

type Route =
  | { path: string; pattern: RegExp; auth: true; methods: Partial<Record<string, RouteHandler>> }
  | { path: string; pattern: RegExp; auth: false; methods: Partial<Record<string, PublicRouteHandler>> };

/** `path` is the route's OpenAPI path template; the document must describe every route and method here. */
export const ROUTES: Route[] = [
  { path: '/api/artifacts', pattern: /^\/api\/artifacts\/?$/, auth: true, methods: { GET: listArtifacts } },
  {
    path: '/api/artifacts/{id}',
    pattern: /^\/api\/artifacts\/([^/]+)\/?$/,
    auth: true,
    methods: { GET: getArtifact, DELETE: deleteArtifact },
  },
  {
    path: '/api/artifacts/{id}/visuals/{name}',
    pattern: /^\/api\/artifacts\/([^/]+)\/visuals\/([^/]+)\/?$/,
    auth: true,
    methods: { GET: getVisual },
  },
  { path: '/api/openapi.json', pattern: /^\/api\/openapi\.json$/, auth: false, methods: { GET: getOpenApi } },
];

export type RouteMatch =
  | { auth: true; handler: RouteHandler; params: string[] }
  | { auth: false; handler: PublicRouteHandler; params: string[] };

/** The methods a route answers, as `Allow` lists them (HEAD wherever GET is). */
export function allowedMethods(route: Route): string[] {
  const methods = Object.keys(route.methods);
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}

export function findRoute(path: string): { route: Route; match: RegExpExecArray } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { route, match };
  }
  return null;
}

/** The handler for a request, or a 404/405/400 problem. */
export function matchRoute(method: string, path: string): RouteMatch {
  const found = findRoute(path);
  if (!found) throw new HttpProblem('not_found', 'no such resource');
  const { route, match } = found;
  const name = method === 'HEAD' ? 'GET' : method;
  let params: string[];
  try {
    params = match.slice(1).map((p) => decodeURIComponent(p));
  } catch {
    throw new HttpProblem('bad_request', 'malformed percent-encoding in the path');
  }
  if (route.auth) {
    const handler = route.methods[name];
    if (handler) return { auth: true, handler, params };
  } else {
    const handler = route.methods[name];
    if (handler) return { auth: false, handler, params };
  }
  throw new MethodNotAllowed(allowedMethods(route));
}

export class MethodNotAllowed extends HttpProblem {
  readonly allow: string[];
  constructor(allow: string[]) {
    super('method_not_allowed', `this resource allows ${allow.join(', ')}`);
    this.allow = [...allow, 'OPTIONS'];
  }
}
