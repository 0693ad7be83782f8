/** The API's routes: method and path pattern to handler. Unknown paths are 404, known paths with another method 405. */
import type { RouteContext } from './context';
import { HttpProblem } from './problem';
import { deleteArtifact } from './routes/delete-artifact';
import { getArtifact } from './routes/get-artifact';
import { getVisual } from './routes/get-visual';
import { listArtifacts } from './routes/list-artifacts';

export type RouteHandler = (ctx: RouteContext) => Promise<void>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, RouteHandler>>;
}

export const ROUTES: Route[] = [
  { pattern: /^\/api\/artifacts\/?$/, methods: { GET: listArtifacts } },
  { pattern: /^\/api\/artifacts\/([^/]+)\/?$/, methods: { GET: getArtifact, DELETE: deleteArtifact } },
  { pattern: /^\/api\/artifacts\/([^/]+)\/visuals\/([^/]+)\/?$/, methods: { GET: getVisual } },
];

export interface RouteMatch {
  handler: RouteHandler;
  params: string[];
}

/** The handler for a request, or a 404/405 problem. HEAD is served by the GET handler. */
export function matchRoute(method: string, path: string): RouteMatch | { allow: string[] } | null {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    const handler = route.methods[method === 'HEAD' ? 'GET' : method];
    if (!handler) return { allow: Object.keys(route.methods) };
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new HttpProblem('bad_request', 'malformed percent-encoding in the path');
    }
    return { handler, params };
  }
  return null;
}
