/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the handlers validate with
 * (schemas.ts) by `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Served at
 * `GET /api/openapi.json` (built once, on first request) and written to docs/openapi.json by
 * `npm run openapi` (scripts/openapi.ts); a test keeps the committed file equal to this.
 *
 * Parameters: path parameters are described as sent (`io: 'input'`); query parameters as the values they
 * stand for (`io: 'output'`: `limit` is an integer 1-200, sent in decimal as every query value is). Request
 * bodies as sent (`io: 'input'`), `application/json` only.
 */
import { z } from 'zod';
import { IMAGE_TYPES } from '../../shared/domain/image-format';
import { CLOCK_SKEW_SECONDS } from './auth';
import type { AnyOperation } from './operation';
import { PROBLEM_TYPES } from './problem';
import { HEADERS, PROBLEM_RESPONSES, type ResponseHeaderName } from './responses';
import { components, PATH_PARAMS, TenantOnlyQuery } from './schemas';

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

const headers = (...names: Array<keyof typeof HEADERS>) =>
  Object.fromEntries(['X-Request-Id', ...names].map((n) => [n, ref('headers', n)]));

function problemResponses(): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([id, p]) => [
      id,
      {
        description: `${PROBLEM_TYPES[p.kind].title}. ${p.description}`,
        headers: headers(...(('headers' in p ? p.headers : []) as ResponseHeaderName[])),
        content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
      },
    ]),
  );
}

const problems = (...ids: Array<keyof typeof PROBLEM_RESPONSES>) =>
  Object.fromEntries(
    ids.map((id) => [String(PROBLEM_TYPES[PROBLEM_RESPONSES[id].kind].status), ref('responses', id)]),
  );

const IMAGE_CONTENT = Object.fromEntries(Object.values(IMAGE_TYPES).map((t) => [t.contentType, {}]));

/** Raw response contents an operation may refer to by name. */
export const CONTENTS = {
  images: IMAGE_CONTENT,
  anyJson: { 'application/json': { schema: { type: 'object' } } },
};

function responses(op: AnyOperation, head: boolean): Json {
  const out: Json = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    out[status] = {
      description: spec.description,
      headers: headers(...(spec.headers ?? [])),
      ...(head
        ? {}
        : spec.schema
          ? { content: { 'application/json': { schema: ref('schemas', spec.schema) } } }
          : spec.content
            ? { content: spec.content }
            : {}),
    };
  }
  return { ...out, ...problems(...op.problems) };
}

/** The operation's JSON request body, when it takes one. */
function requestBody(op: AnyOperation): Json {
  if (!op.body) return {};
  const { description, ...schema } = jsonSchema(op.body, 'input');
  return {
    requestBody: {
      required: true,
      ...(description ? { description } : {}),
      content: { 'application/json': { schema } },
    },
  };
}

function operationObject(op: AnyOperation, head = false): Json {
  const doc = head ? op.head! : op;
  const query = (op.query as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: op.tags,
    ...(op.auth ? {} : { security: [] }),
    ...(Object.keys(op.params).length + Object.keys(query).length + (op.requestHeaders?.length ?? 0) > 0
      ? {
          parameters: [
            ...op.params.map((name) => ref('parameters', PATH_PARAMS[name].component)),
            ...queryParameters(query),
            ...(head ? [] : (op.requestHeaders ?? [])).map((h) => ({
              name: h.name,
              in: 'header',
              required: false,
              description: h.description,
              schema: { type: 'string' },
            })),
          ],
        }
      : {}),
    ...(head ? {} : requestBody(op)),
    responses: head
      ? responses(
          { ...op, responses: Object.fromEntries(Object.entries(op.responses).filter(([s]) => s === '200')) },
          true,
        )
      : responses(op, false),
  };
}

/** Whether an operation belongs to the API (under `/api/`): the artifact browser's pages do not. */
export const isApiOperation = (op: AnyOperation) => op.path.startsWith('/api/');

/** The `paths` of the document, from the route table (its API operations). */
function paths(operations: AnyOperation[]): Json {
  const out: Record<string, Json> = {};
  for (const op of operations.filter(isApiOperation)) {
    const item = out[op.path] ?? {};
    out[op.path] = item;
    item[op.method.toLowerCase()] = operationObject(op);
    if (op.head) item.head = operationObject(op, true);
  }
  return out;
}

/** The whole document. Pure: the same schemas give the same document. */
export function buildOpenApiDocument(operations: AnyOperation[]): Json {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Artifact store API',
      version: API_VERSION,
      description:
        "Read and delete the artifacts the platform's orchestrators stored, per tenant: their versions, aliases, lineage and status. Every operation but this document needs `Authorization: Bearer <JWT>`; the tenant comes from the token. Errors are `application/problem+json`. Generated from the zod schemas the API validates with; do not edit by hand.",
    },
    tags: [
      { name: 'artifacts', description: 'Artifact envelopes and documents.' },
      { name: 'visuals', description: 'The images of an artifact.' },
      {
        name: 'versions',
        description: 'The immutable versions of an artifact, and the aliases naming them.',
      },
      { name: 'lineage', description: 'What an artifact was made from, and what was made from it.' },
      { name: 'status', description: 'What became of a published artifact.' },
      { name: 'meta', description: 'This document.' },
    ],
    security: [{ bearerAuth: [] }],
    paths: paths(operations),
    components: {
      schemas: componentSchemas(),
      parameters: {
        ...Object.fromEntries(
          Object.entries(PATH_PARAMS).map(([name, p]) => [p.component, parameter(name, 'path', p.schema)]),
        ),
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

const served = new WeakMap<AnyOperation[], string>();

/** The document as served: built on first use, then kept. */
export function openApiJson(operations: AnyOperation[]): string {
  let text = served.get(operations);
  if (!text) {
    text = JSON.stringify(buildOpenApiDocument(operations));
    served.set(operations, text);
  }
  return text;
}
