/** GET|HEAD /api/openapi.json: the OpenAPI document, without authentication (it describes no tenant's data). */
import type { PublicRouteContext } from '../context';
import { openApiJson } from '../openapi';

export async function getOpenApi({ res }: PublicRouteContext): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.send(openApiJson());
}
