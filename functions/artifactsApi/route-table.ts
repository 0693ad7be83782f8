/**
 * The route table: every operation of the API, once. The router (router.ts) matches requests against it and
 * validates path parameters and query before the handler runs; the OpenAPI document (openapi.ts) is built
 * from it. Handlers live in routes/, one file each.
 */
import { z } from 'zod';
import { CONTENTS, openApiJson } from './openapi';
import { type AnyOperation, operation } from './operation';
import { BROWSER_OPERATIONS } from './routes/browser';
import { deleteAlias } from './routes/delete-alias';
import { deleteArtifact } from './routes/delete-artifact';
import { getArtifact } from './routes/get-artifact';
import { getLineage } from './routes/get-lineage';
import { getStatus } from './routes/get-status';
import { getVisual } from './routes/get-visual';
import { listArtifacts } from './routes/list-artifacts';
import { listVersions } from './routes/list-versions';
import { setAlias } from './routes/set-alias';
import {
  GetQuery,
  LineageQuery,
  ListQuery,
  SetAliasBody,
  StatusQuery,
  TenantOnlyQuery,
  VersionsQuery,
  VisualQuery,
} from './schemas';

const READ_PROBLEMS = ['BadRequest', 'Unauthorized', 'NotFound', 'InternalError', 'Unavailable'] as const;
const VERSION_SELECTION =
  'The version is chosen with `?version=N` or `?alias=NAME` (at most one; `alias=latest` and neither mean the newest version). A version or alias the artifact does not have, or a version that expired, is a 404 like a missing artifact.';

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
    summary: 'One artifact: envelope and document, of one version',
    description: `The envelope carries \`version\`, \`latest_version\` and the \`aliases\` pointing at this version. ${VERSION_SELECTION}`,
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
      'Every version goes, with its objects and aliases: afterwards no object of the artifact remains and it reads as not found; a second delete is a 404.',
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
    query: VisualQuery,
    auth: true,
    summary: 'The bytes of one visual, of one version',
    description: `With VISUAL_URL_MODE=proxy (default) the bytes are streamed from storage with a strong ETag; \`If-None-Match\` answers 304. With VISUAL_URL_MODE=signed the answer is a 302 to a short-lived V4 signed URL of the object. ${VERSION_SELECTION}`,
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
    operationId: 'listVersions',
    method: 'GET',
    path: '/api/artifacts/{id}/versions',
    params: ['id'],
    query: VersionsQuery,
    auth: true,
    summary: 'The versions of an artifact, newest first',
    description:
      'Keyset pagination: follow `next_cursor` until it is null. A cursor is bound to the tenant and the artifact it was issued for.',
    tags: ['versions'],
    responses: { '200': { description: 'One page.', schema: 'VersionList' } },
    problems: [...READ_PROBLEMS],
    handler: listVersions,
  }),
  operation({
    operationId: 'getLineage',
    method: 'GET',
    path: '/api/artifacts/{id}/lineage',
    params: ['id'],
    query: LineageQuery,
    auth: true,
    summary: 'What an artifact was made from, and what was made from it',
    description:
      "Follows `derived_from` edges (recorded per version when storing) `depth` edges `up`, `down` or `both`, over all the artifact's versions; at most 1,000 nodes (`truncated` says when cut). Only the caller's tenant's live artifacts appear: an edge to another tenant's, a deleted or a never-stored artifact is absent, and the walk never passes through one. `GET /api/artifacts?derived_from={id}` lists the children as summaries.",
    tags: ['lineage'],
    responses: { '200': { description: 'The graph.', schema: 'Lineage' } },
    problems: [...READ_PROBLEMS],
    handler: getLineage,
  }),
  operation({
    operationId: 'setAlias',
    method: 'PUT',
    path: '/api/artifacts/{id}/aliases/{alias}',
    params: ['id', 'alias'],
    query: TenantOnlyQuery,
    body: SetAliasBody,
    auth: true,
    summary: 'Point an alias at a version',
    description:
      'Creates the alias or moves it (to any version, older ones too), atomically. The body is `application/json` `{"version": N}`. A version or artifact that does not exist is a 404; `latest` (implicit) or a malformed alias or body is a 400.',
    tags: ['versions'],
    responses: { '200': { description: 'The alias now points at the version.', schema: 'AliasAssignment' } },
    problems: [...READ_PROBLEMS, 'UnsupportedMediaType'],
    handler: setAlias,
  }),
  operation({
    operationId: 'deleteAlias',
    method: 'DELETE',
    path: '/api/artifacts/{id}/aliases/{alias}',
    params: ['id', 'alias'],
    query: TenantOnlyQuery,
    auth: true,
    summary: 'Remove an alias',
    description: 'The version it pointed at stays. No such alias (or artifact) is a 404.',
    tags: ['versions'],
    responses: { '204': { description: 'Removed.' } },
    problems: [...READ_PROBLEMS],
    handler: deleteAlias,
  }),
  operation({
    operationId: 'getStatus',
    method: 'GET',
    path: '/api/artifacts/{id}/status',
    params: ['id'],
    query: StatusQuery,
    auth: true,
    summary: 'What became of an artifact id',
    description:
      "For producers that published and want the outcome: `stored` (with the latest version), `rejected` (the store refused the request, with its error code, while nothing is stored under the id), `deleted`, or `unknown`. With `message_id`, that message's own outcome: the version it created or its content already was, its refusal, or `unknown` until decided. Always 200 for a valid id: another tenant's id is `unknown`, exactly like an id never seen (or a request still on its way, or one the policy did not keep).",
    tags: ['status'],
    responses: { '200': { description: 'The state of the id.', schema: 'ArtifactStatus' } },
    problems: ['BadRequest', 'Unauthorized', 'InternalError', 'Unavailable'],
    handler: getStatus,
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
