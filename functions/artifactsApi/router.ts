/**
 * Routing, derived from the route table (routes.ts): the path templates become patterns; unknown paths are
 * 404, known paths with another method 405 (with `Allow`). HEAD is served by the GET operation (which skips
 * the body work).
 */

import { type AnyOperation, templatePattern } from './operation';
import { HttpProblem } from './problem';
import { OPERATIONS } from './route-table';

export interface Route {
  path: string;
  pattern: RegExp;
  operations: Partial<Record<string, AnyOperation>>;
}

/** One route per path template, with its operations by method. */
export const ROUTES: Route[] = [];
for (const op of OPERATIONS) {
  let route = ROUTES.find((r) => r.path === op.path);
  if (!route) {
    route = { path: op.path, pattern: templatePattern(op.path), operations: {} };
    ROUTES.push(route);
  }
  route.operations[op.method] = op;
}

/** The methods a route answers, as `Allow` lists them (HEAD wherever GET is). */
export function allowedMethods(route: Route): string[] {
  const methods = Object.keys(route.operations);
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}

export function findRoute(path: string): { route: Route; match: RegExpExecArray } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { route, match };
  }
  return null;
}

/** The operation for a request and its raw (decoded) path parameters by name, or a 404/405/400 problem. */
export function matchRoute(
  method: string,
  path: string,
): { operation: AnyOperation; params: Record<string, string> } {
  const found = findRoute(path);
  if (!found) throw new HttpProblem('not_found', 'no such resource');
  const { route, match } = found;
  let values: string[];
  try {
    values = match.slice(1).map((p) => decodeURIComponent(p));
  } catch {
    throw new HttpProblem('bad_request', 'malformed percent-encoding in the path');
  }
  const operation = route.operations[method === 'HEAD' ? 'GET' : method];
  if (!operation) throw new MethodNotAllowed(allowedMethods(route));
  const params = Object.fromEntries(operation.params.map((name, i) => [name, values[i]!]));
  return { operation, params };
}

export class MethodNotAllowed extends HttpProblem {
  readonly allow: string[];
  constructor(allow: string[]) {
    super('method_not_allowed', `this resource allows ${allow.join(', ')}`);
    this.allow = [...allow, 'OPTIONS'];
  }
}
