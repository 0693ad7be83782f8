/**
 * The route table: every operation of the API, once. The router (router.ts) matches requests against it and
 * validates path parameters and query before the handler runs; the OpenAPI document (openapi.ts) is built
 * from it. Handlers live in routes/, one file each.
 */
import { z } from 'zod';
import { CONTENTS, openApiJson } from './openapi';
import { type AnyOperation, operation } from './operation';
import { BROWSER_OPERATIONS } from './routes/browser';
import { deleteArtifact } from './routes/delete-artifact';
import { getArtifact } from './routes/get-artifact';
import { getVisual } from './routes/get-visual';
import { listArtifacts } from './routes/list-artifacts';
import { GetQuery, ListQuery, TenantOnlyQuery } from './schemas';

const READ_PROBLEMS = ['BadRequest', 'Unauthorized', 'NotFound', 'InternalError', 'Unavailable'] as const;

export const OPERATIONS: AnyOperation[] = [
  operation({
    operationId: 'listArtifacts',
    method: 'GET',
    path: '/api/artifacts',
    params: [],
    query: ListQuery,
    auth: true,
    summary: "List the tenant's artifacts, newest first",
    description:
      'Keyset pagination: follow `next_cursor` until it is null. A page never repeats or skips an artifact that existed when the listing began, whatever is stored meanwhile. A cursor is bound to the tenant and filters it was issued for.',
    tags: ['artifacts'],
    responses: { '200': { description: 'One page.', schema: 'ArtifactList' } },
    problems: ['BadRequest', 'Unauthorized', 'InternalError', 'Unavailable'],
    handler: listArtifacts,
  }),
  operation({
    operationId: 'getArtifact',
    method: 'GET',
    path: '/api/artifacts/{id}',
    params: ['id'],
    query: GetQuery,
    auth: true,
    summary: 'One artifact: envelope and document',
    tags: ['artifacts'],
    responses: { '200': { description: 'The artifact.', schema: 'Artifact' } },
    problems: [...READ_PROBLEMS],
    handler: getArtifact,
  }),
  operation({
    operationId: 'deleteArtifact',
    method: 'DELETE',
    path: '/api/artifacts/{id}',
    params: ['id'],
    query: TenantOnlyQuery,
    auth: true,
    summary: 'Delete an artifact: its objects, then its row',
    description:
      'Afterwards no object of the artifact remains and it reads as not found; a second delete is a 404.',
    tags: ['artifacts'],
    responses: { '204': { description: 'Deleted.' } },
    problems: [...READ_PROBLEMS],
    handler: deleteArtifact,
  }),
  operation({
    operationId: 'getVisual',
    method: 'GET',
    path: '/api/artifacts/{id}/visuals/{name}',
    params: ['id', 'name'],
    query: TenantOnlyQuery,
    auth: true,
    summary: 'The bytes of one visual',
    description:
      'With VISUAL_URL_MODE=proxy (default) the bytes are streamed from storage with a strong ETag; `If-None-Match` answers 304. With VISUAL_URL_MODE=signed the answer is a 302 to a short-lived V4 signed URL of the object.',
    tags: ['visuals'],
    requestHeaders: [
      {
        name: 'If-None-Match',
        description: 'The ETag of a copy the caller holds; when it matches, 304 without a body.',
      },
    ],
    responses: {
      '200': {
        description: 'The visual (proxy mode).',
        headers: ['ETag', 'Cache-Control'],
        content: CONTENTS.images,
      },
      '302': {
        description: 'Signed mode: the visual is at `Location`, a V4 signed URL.',
        headers: ['Location', 'Cache-Control'],
      },
      '304': { description: 'Not modified: `If-None-Match` matched.', headers: ['ETag', 'Cache-Control'] },
    },
    problems: [...READ_PROBLEMS],
    head: {
      operationId: 'headVisual',
      summary: 'The headers of one visual, without its bytes',
      description: 'As GET, without the body.',
    },
    handler: getVisual,
  }),
  operation({
    operationId: 'getOpenApiDocument',
    method: 'GET',
    path: '/api/openapi.json',
    params: [],
    query: z.object({}),
    auth: false,
    summary: 'This document',
    tags: ['meta'],
    responses: {
      '200': { description: 'The OpenAPI document.', headers: ['Cache-Control'], content: CONTENTS.anyJson },
    },
    problems: ['InternalError'],
    handler: async ({ res }) => {
      res.status(200);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.send(openApiJson(OPERATIONS));
    },
  }),
  // The artifact browser (`/`, `/ui/...`): served here, not part of the API's document.
  ...BROWSER_OPERATIONS,
];
