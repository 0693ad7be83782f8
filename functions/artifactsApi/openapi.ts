/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the handlers validate with
 * (schemas.ts) by `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Served at
 * `GET /api/openapi.json` (built once, on first request) and written to docs/openapi.json by
 * `npm run openapi` (scripts/openapi.ts); a test keeps the committed file equal to this.
 *
 * Parameters: path parameters are described as sent (`io: 'input'`); query parameters as the values they
 * stand for (`io: 'output'`: `limit` is an integer 1-200, sent in decimal as every query value is).
 */
import { z } from 'zod';
import { IMAGE_TYPES } from '../../shared/image-format';
import { CLOCK_SKEW_SECONDS } from './auth';
import { PROBLEM_TYPES, type ProblemKind } from './problem';
import {
  ArtifactIdParam,
  components,
  GetQuery,
  ListQuery,
  TenantOnlyQuery,
  VisualNameParam,
} from './schemas';

export const OPENAPI_VERSION = '3.1.0';
export const API_VERSION = '1.0.0';

type Json = Record<string, unknown>;
const ref = (kind: string, id: string) => ({ $ref: `#/components/${kind}/${id}` });

/** A zod schema as an embeddable JSON Schema (without `$schema`/`$id`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _s, $id: _i, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(components, {
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]),
  );
}

function parameter(name: string, where: 'path' | 'query', schema: z.ZodType): Json {
  const {
    description,
    default: _default,
    ...rest
  } = jsonSchema(schema, where === 'path' ? 'input' : 'output');
  return {
    name,
    in: where,
    required: where === 'path',
    ...(description ? { description } : {}),
    schema: { ...rest, ...(_default !== undefined ? { default: _default } : {}) },
  };
}

function queryParameters(shape: Record<string, z.ZodType>): Json[] {
  return Object.entries(shape).map(([name, schema]) =>
    name === 'tenant_id' ? ref('parameters', 'TenantId') : parameter(name, 'query', schema),
  );
}

/** Every documented header is always sent with the responses that list it. */
const header = (description: string, schema: Json = { type: 'string' }) => ({
  description,
  required: true,
  schema,
});

const HEADERS = {
  'X-Request-Id': header(
    "The request's id: the caller's X-Request-Id when it is 1-128 of [A-Za-z0-9._:-], else a new UUID. Every log line of the request carries it.",
  ),
  ETag: header("The visual's strong entity tag: its sha256 in quotes."),
  'Cache-Control': header('How long the response may be cached, and by whom.'),
  Location: header('A V4 signed URL of the visual, valid for SIGNED_URL_TTL_SECONDS.', {
    type: 'string',
    format: 'uri',
  }),
  'Retry-After': header('Seconds to wait before retrying.', { type: 'integer' }),
  'WWW-Authenticate': header('`Bearer realm="artifacts"`.'),
};

const headers = (...names: Array<keyof typeof HEADERS>) =>
  Object.fromEntries(['X-Request-Id', ...names].map((n) => [n, ref('headers', n)]));

const PROBLEM_RESPONSES: Record<string, { kind: ProblemKind; description: string; headers?: string[] }> = {
  BadRequest: {
    kind: 'bad_request',
    description:
      'Bad id, visual name or query (unknown or repeated parameter, bad limit, invalid cursor), or a service_role token without `tenant_id`.',
  },
  Unauthorized: {
    kind: 'unauthorized',
    description:
      'No token, or a token that is malformed, badly signed, expired, not yet valid, for another audience or issuer, or without a tenant.',
    headers: ['WWW-Authenticate'],
  },
  NotFound: {
    kind: 'not_found',
    description:
      "No such artifact or visual for this tenant: missing, deleted, expired or another tenant's (never 403, so existence does not leak).",
  },
  InternalError: { kind: 'internal', description: 'An unexpected error.' },
  Unavailable: {
    kind: 'unavailable',
    description: 'Storage, the database or the token key set (JWKS) is unavailable; retry later.',
    headers: ['Retry-After'],
  },
};

function problemResponses(): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([id, p]) => [
      id,
      {
        description: `${PROBLEM_TYPES[p.kind].title}. ${p.description}`,
        headers: headers(...((p.headers ?? []) as Array<keyof typeof HEADERS>)),
        content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
      },
    ]),
  );
}

const problems = (...ids: Array<keyof typeof PROBLEM_RESPONSES>) =>
  Object.fromEntries(
    ids.map((id) => [String(PROBLEM_TYPES[PROBLEM_RESPONSES[id]!.kind].status), ref('responses', id)]),
  );

const json = (schemaId: string) => ({ 'application/json': { schema: ref('schemas', schemaId) } });

const IMAGE_CONTENT = Object.fromEntries(Object.values(IMAGE_TYPES).map((t) => [t.contentType, {}]));

function visualOperation(method: 'get' | 'head'): Json {
  const get = method === 'get';
  return {
    operationId: get ? 'getVisual' : 'headVisual',
    summary: get ? 'The bytes of one visual' : 'The headers of one visual, without its bytes',
    description: get
      ? 'With VISUAL_URL_MODE=proxy (default) the bytes are streamed from storage with a strong ETag; `If-None-Match` answers 304. With VISUAL_URL_MODE=signed the answer is a 302 to a short-lived V4 signed URL of the object.'
      : 'As GET, without the body.',
    tags: ['visuals'],
    parameters: [
      ref('parameters', 'ArtifactId'),
      ref('parameters', 'VisualName'),
      ref('parameters', 'TenantId'),
      ...(get
        ? [
            {
              name: 'If-None-Match',
              in: 'header',
              required: false,
              description: 'The ETag of a copy the caller holds; when it matches, 304 without a body.',
              schema: { type: 'string' },
            },
          ]
        : []),
    ],
    responses: {
      '200': {
        description: 'The visual (proxy mode).',
        headers: headers('ETag', 'Cache-Control'),
        ...(get ? { content: IMAGE_CONTENT } : {}),
      },
      ...(get
        ? {
            '302': {
              description: 'Signed mode: the visual is at `Location`, a V4 signed URL.',
              headers: headers('Location', 'Cache-Control'),
            },
            '304': {
              description: 'Not modified: `If-None-Match` matched.',
              headers: headers('ETag', 'Cache-Control'),
            },
          }
        : {}),
      ...problems('BadRequest', 'Unauthorized', 'NotFound', 'InternalError', 'Unavailable'),
    },
  };
}

/** The whole document. Pure: the same schemas give the same document. */
export function buildOpenApiDocument(): Json {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Artifact store API',
      version: API_VERSION,
      description:
        "Read and delete the artifacts the platform's orchestrators stored, per tenant. Every operation but this document needs `Authorization: Bearer <JWT>`; the tenant comes from the token. Errors are `application/problem+json`. Generated from the zod schemas the API validates with; do not edit by hand.",
    },
    tags: [
      { name: 'artifacts', description: 'Artifact envelopes and documents.' },
      { name: 'visuals', description: 'The images of an artifact.' },
      { name: 'meta', description: 'This document.' },
    ],
    security: [{ bearerAuth: [] }],
    paths: {
      '/api/artifacts': {
        get: {
          operationId: 'listArtifacts',
          summary: "List the tenant's artifacts, newest first",
          description:
            'Keyset pagination: follow `next_cursor` until it is null. A page never repeats or skips an artifact that existed when the listing began, whatever is stored meanwhile. A cursor is bound to the tenant and filters it was issued for.',
          tags: ['artifacts'],
          parameters: queryParameters(ListQuery.shape),
          responses: {
            '200': { description: 'One page.', headers: headers(), content: json('ArtifactList') },
            ...problems('BadRequest', 'Unauthorized', 'InternalError', 'Unavailable'),
          },
        },
      },
      '/api/artifacts/{id}': {
        get: {
          operationId: 'getArtifact',
          summary: 'One artifact: envelope and document',
          tags: ['artifacts'],
          parameters: [ref('parameters', 'ArtifactId'), ...queryParameters(GetQuery.shape)],
          responses: {
            '200': { description: 'The artifact.', headers: headers(), content: json('Artifact') },
            ...problems('BadRequest', 'Unauthorized', 'NotFound', 'InternalError', 'Unavailable'),
          },
        },
        delete: {
          operationId: 'deleteArtifact',
          summary: 'Delete an artifact: its objects, then its row',
          description:
            'Afterwards no object of the artifact remains and it reads as not found; a second delete is a 404.',
          tags: ['artifacts'],
          parameters: [ref('parameters', 'ArtifactId'), ...queryParameters(TenantOnlyQuery.shape)],
          responses: {
            '204': { description: 'Deleted.', headers: headers() },
            ...problems('BadRequest', 'Unauthorized', 'NotFound', 'InternalError', 'Unavailable'),
          },
        },
      },
      '/api/artifacts/{id}/visuals/{name}': { get: visualOperation('get'), head: visualOperation('head') },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          tags: ['meta'],
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI document.',
              headers: headers('Cache-Control'),
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...problems('InternalError'),
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      parameters: {
        ArtifactId: parameter('id', 'path', ArtifactIdParam),
        VisualName: parameter('name', 'path', VisualNameParam),
        TenantId: parameter('tenant_id', 'query', TenantOnlyQuery.shape.tenant_id),
      },
      headers: HEADERS,
      responses: problemResponses(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `HS256 signed with SUPABASE_JWT_SECRET, or RS256/ES256 with a key of the JWKS at AUTH_JWKS_URL. \`exp\` is required; exp/nbf are checked with ${CLOCK_SKEW_SECONDS} s of clock skew; aud/iss when AUTH_AUDIENCE/AUTH_ISSUER are set. The tenant is the claim at TENANT_CLAIM (default app_metadata.tenant_id). A \`role: service_role\` token names the tenant with \`?tenant_id=\`; \`anon\` tokens are refused.`,
        },
      },
    },
  };
}

let served: string | undefined;

/** The document as served: built on first use, then kept. */
export function openApiJson(): string {
  served ??= JSON.stringify(buildOpenApiDocument());
  return served;
}
