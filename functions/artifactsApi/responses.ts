/**
 * What the API's responses may carry, named once: the headers it documents, and the problem responses an
 * operation lists (route-table.ts) and the OpenAPI document describes (openapi.ts).
 */
import type { ProblemKind } from './problem';

type Json = Record<string, unknown>;

/** Every documented header is always sent with the responses that list it. */
const header = (description: string, schema: Json = { type: 'string' }) => ({
  description,
  required: true,
  schema,
});

export const HEADERS = {
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

export type ResponseHeaderName = keyof typeof HEADERS;

export const PROBLEM_RESPONSES = {
  BadRequest: {
    kind: 'bad_request',
    description:
      'Bad id, visual name, alias or query (unknown or repeated parameter, bad limit or version, both `version` and `alias`, invalid cursor), a request body that is missing or not what the operation takes, or a service_role token without `tenant_id`.',
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
      "No such artifact, version, alias or visual for this tenant: missing, deleted, expired or another tenant's (never 403, so existence does not leak).",
  },
  UnsupportedMediaType: {
    kind: 'unsupported_media_type',
    description: 'The request body is not `application/json` (the only type an operation with a body takes).',
  },
  InternalError: { kind: 'internal', description: 'An unexpected error.' },
  Unavailable: {
    kind: 'unavailable',
    description: 'Storage, the database or the token key set (JWKS) is unavailable; retry later.',
    headers: ['Retry-After'],
  },
} satisfies Record<string, { kind: ProblemKind; description: string; headers?: ResponseHeaderName[] }>;
export type ProblemResponseId = keyof typeof PROBLEM_RESPONSES;
