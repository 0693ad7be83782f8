/**
 * Checks real HTTP responses against an OpenAPI 3.1 document: the operation and status must be documented,
 * the documented headers present, the media type one of the documented ones (or no body when none is), and
 * a JSON body valid against the document's schema. The schema check is a small JSON Schema 2020-12
 * validator for the keywords z.toJSONSchema emits; any other keyword fails loudly rather than being skipped,
 * so the check can never silently weaken.
 */

type Json = Record<string, unknown>;

const ANNOTATIONS = new Set([
  'description',
  'default',
  'title',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

export interface CheckedResponse {
  method: string;
  /** The path template of the document, e.g. `/api/artifacts/{id}`. */
  path: string;
  status: number;
  headers: Headers;
  body: Buffer;
}

export function createOpenApiChecker(doc: Json) {
  const resolve = (node: unknown): Json => {
    let current = node as Json;
    for (let depth = 0; typeof current?.$ref === 'string'; depth++) {
      if (depth > 20) throw new Error('$ref loop');
      const ref = current.$ref as string;
      if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
      current = ref
        .slice(2)
        .split('/')
        .reduce<unknown>(
          (n, k) => (n as Json | undefined)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')],
          doc,
        ) as Json;
      if (current === undefined) throw new Error(`unresolvable $ref ${ref}`);
    }
    return current;
  };

  /** Errors of `value` against `schema` (a JSON Schema of the document), as `path: problem` lines. */
  const validate = (schema: unknown, value: unknown, at = '$'): string[] => {
    if (
      schema === true ||
      (typeof schema === 'object' && schema !== null && Object.keys(schema).length === 0)
    )
      return [];
    if (schema === false) return [`${at}: no value is allowed here`];
    const s = resolve(schema);
    const errors: string[] = [];
    const err = (message: string) => errors.push(`${at}: ${message}`);
    for (const [keyword, arg] of Object.entries(s)) {
      if (ANNOTATIONS.has(keyword)) continue;
      switch (keyword) {
        case '$ref':
          break;
        case 'type': {
          const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
          if (!types.some((t) => hasType(value, t)))
            err(`expected ${types.join(' or ')}, got ${typeName(value)}`);
          break;
        }
        case 'enum':
          if (!(arg as unknown[]).some((v) => JSON.stringify(v) === JSON.stringify(value)))
            err(`not one of ${JSON.stringify(arg)}`);
          break;
        case 'const':
          if (JSON.stringify(arg) !== JSON.stringify(value)) err(`not ${JSON.stringify(arg)}`);
          break;
        case 'properties':
          if (isObject(value)) {
            for (const [k, sub] of Object.entries(arg as Json)) {
              if (k in value) errors.push(...validate(sub, value[k], `${at}.${k}`));
            }
          }
          break;
        case 'required':
          if (isObject(value)) for (const k of arg as string[]) if (!(k in value)) err(`missing ${k}`);
          break;
        case 'additionalProperties':
          if (isObject(value)) {
            const known = new Set(Object.keys((s.properties as Json | undefined) ?? {}));
            for (const [k, v] of Object.entries(value)) {
              if (known.has(k)) continue;
              if (arg === false) err(`unexpected property ${k}`);
              else errors.push(...validate(arg, v, `${at}.${k}`));
            }
          }
          break;
        case 'propertyNames':
          if (isObject(value))
            for (const k of Object.keys(value)) errors.push(...validate(arg, k, `${at}[key ${k}]`));
          break;
        case 'items':
          if (Array.isArray(value)) {
            for (const [i, v] of value.entries()) errors.push(...validate(arg, v, `${at}[${i}]`));
          }
          break;
        case 'anyOf':
          if (!(arg as unknown[]).some((sub) => validate(sub, value, at).length === 0))
            err('matches no anyOf branch');
          break;
        case 'oneOf':
          if ((arg as unknown[]).filter((sub) => validate(sub, value, at).length === 0).length !== 1)
            err('does not match exactly one oneOf branch');
          break;
        case 'allOf':
          for (const sub of arg as unknown[]) errors.push(...validate(sub, value, at));
          break;
        case 'pattern':
          if (typeof value === 'string' && !new RegExp(arg as string).test(value))
            err(`does not match ${arg}`);
          break;
        case 'format':
          if (typeof value === 'string' && !formatOk(arg as string, value)) err(`not a ${arg}`);
          break;
        case 'minLength':
          if (typeof value === 'string' && [...value].length < (arg as number)) err(`shorter than ${arg}`);
          break;
        case 'maxLength':
          if (typeof value === 'string' && [...value].length > (arg as number)) err(`longer than ${arg}`);
          break;
        case 'minimum':
          if (typeof value === 'number' && value < (arg as number)) err(`below ${arg}`);
          break;
        case 'maximum':
          if (typeof value === 'number' && value > (arg as number)) err(`above ${arg}`);
          break;
        case 'minItems':
          if (Array.isArray(value) && value.length < (arg as number)) err(`fewer than ${arg} items`);
          break;
        case 'maxItems':
          if (Array.isArray(value) && value.length > (arg as number)) err(`more than ${arg} items`);
          break;
        default:
          throw new Error(`the checker does not support the JSON Schema keyword "${keyword}" (at ${at})`);
      }
    }
    return errors;
  };

  /** Every way `res` departs from the document; empty when it conforms. */
  const check = (res: CheckedResponse): string[] => {
    const where = `${res.method} ${res.path} → ${res.status}`;
    const item = (doc.paths as Json)[res.path] as Json | undefined;
    const operation = item?.[res.method.toLowerCase()] as Json | undefined;
    if (!operation) return [`${where}: the operation is not documented`];
    const documented = (operation.responses as Json)[String(res.status)];
    if (!documented) return [`${where}: the status is not documented`];
    const response = resolve(documented);
    const problems: string[] = [];
    for (const [name, header] of Object.entries((response.headers as Json | undefined) ?? {})) {
      const h = resolve(header);
      const value = res.headers.get(name);
      if (value === null) {
        if (h.required) problems.push(`${where}: header ${name} is missing`);
        continue;
      }
      const schema = h.schema as Json;
      const parsed = schema?.type === 'integer' ? Number(value) : value;
      problems.push(...validate(schema, parsed, `header ${name}`).map((e) => `${where}: ${e}`));
    }
    const content = response.content as Json | undefined;
    if (!content) {
      if (res.body.length > 0) problems.push(`${where}: a body where none is documented`);
      return problems;
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = content[type] as Json | undefined;
    if (!media) {
      problems.push(
        `${where}: content type ${type || '(none)'} is not among ${Object.keys(content).join(', ')}`,
      );
      return problems;
    }
    if (res.method === 'HEAD') return problems;
    if (type === 'application/json' || type.endsWith('+json')) {
      let body: unknown;
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        return [...problems, `${where}: the body is not JSON`];
      }
      if (media.schema) problems.push(...validate(media.schema, body).map((e) => `${where}: ${e}`));
    }
    return problems;
  };

  return { check, validate, resolve };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function formatOk(format: string, value: string): boolean {
  switch (format) {
    case 'uuid':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
    case 'date-time':
      return !Number.isNaN(Date.parse(value)) && /^\d{4}-\d\d-\d\dT/.test(value);
    case 'uri':
      return URL.canParse(value);
    default:
      return true;
  }
}
