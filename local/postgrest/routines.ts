/**
 * The stand-in's "schema cache": function signatures read from pg_proc (as PostgREST's SchemaCache.hs
 * does), per schema and name, and the overload choice for a set of named arguments (PostgREST: every
 * argument sent must be a parameter, every parameter without a default must be sent).
 *
 * Found signatures are cached until `invalidate()`; a name that is not found is looked up again on the next
 * call, so functions created after start are seen without a reload.
 */
import type { Pool } from 'pg';
import { type ApiError, ambiguousRpc, noRpc } from './errors';

export interface RoutineParam {
  name: string;
  /** Type to cast the JSON value to (PostgREST widens bit/character to their varying forms). */
  type: string;
  required: boolean;
  variadic: boolean;
}

export interface Routine {
  schema: string;
  name: string;
  params: RoutineParam[];
  /** Has an unnamed input parameter: not callable with named arguments. */
  hasUnnamedParam: boolean;
  setof: boolean;
  /** Returns a composite (table row type, OUT/INOUT/TABLE parameters). */
  composite: boolean;
  returnsVoid: boolean;
  /** `record` without OUT parameters: needs a column definition list, which the stand-in cannot give. */
  untypedRecord: boolean;
  /** i (immutable), s (stable), v (volatile): the first two run in a READ ONLY transaction. */
  volatility: string;
}

const SIGNATURES_SQL = `
SELECT
  p.proretset AS setof,
  p.provolatile::text AS volatility,
  p.prorettype = 'void'::regtype AS returns_void,
  (t.typtype = 'c' OR coalesce(p.proargmodes::text[] && '{t,b,o}', false)) AS composite,
  (p.prorettype = 'record'::regtype AND NOT coalesce(p.proargmodes::text[] && '{t,b,o}', false)) AS untyped_record,
  p.pronargs::int AS nargs,
  p.pronargdefaults::int AS ndefaults,
  coalesce((
    SELECT json_agg(json_build_object('name', a.name, 'type', a.type::regtype::text, 'mode', coalesce(a.mode::text, 'i'))
                    ORDER BY a.idx)
    FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargnames, p.proargmodes)
         WITH ORDINALITY AS a(type, name, mode, idx)
    WHERE coalesce(a.mode::text, 'i') IN ('i', 'b', 'v')
  ), '[]'::json) AS args
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_type t ON t.oid = p.prorettype
WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
ORDER BY p.oid`;

interface SignatureRow {
  setof: boolean;
  volatility: string;
  returns_void: boolean;
  composite: boolean;
  untyped_record: boolean;
  nargs: number;
  ndefaults: number;
  args: { name: string | null; type: string; mode: string }[];
}

/** PostgREST casts to the varying forms so that any length is accepted. */
function castType(type: string): string {
  const widened: Record<string, string> = {
    bit: 'bit varying',
    'bit[]': 'bit varying[]',
    character: 'character varying',
    'character[]': 'character varying[]',
  };
  return widened[type] ?? type;
}

function toRoutine(schema: string, name: string, row: SignatureRow): Routine {
  const required = row.nargs - row.ndefaults;
  return {
    schema,
    name,
    params: row.args.map((a, i) => ({
      name: a.name ?? '',
      type: castType(a.type),
      required: i < required,
      variadic: a.mode === 'v',
    })),
    hasUnnamedParam: row.args.some((a) => !a.name),
    setof: row.setof,
    composite: row.composite,
    returnsVoid: row.returns_void,
    untypedRecord: row.untyped_record,
    volatility: row.volatility,
  };
}

export class RoutineCache {
  readonly #pool: Pool;
  readonly #cache = new Map<string, Routine[]>();

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  invalidate(schema?: string, name?: string): void {
    if (schema === undefined || name === undefined) this.#cache.clear();
    else this.#cache.delete(`${schema}.${name}`);
  }

  async #load(schema: string, name: string): Promise<Routine[]> {
    const { rows } = await this.#pool.query<SignatureRow>(SIGNATURES_SQL, [schema, name]);
    const routines = rows.map((row) => toRoutine(schema, name, row));
    if (routines.length > 0) this.#cache.set(`${schema}.${name}`, routines);
    return routines;
  }

  /** Every parameter name of every overload of `schema.name` (GET: which query parameters are arguments). */
  async parameterNames(schema: string, name: string): Promise<Set<string>> {
    const routines = this.#cache.get(`${schema}.${name}`) ?? (await this.#load(schema, name));
    return new Set(routines.flatMap((r) => r.params.map((p) => p.name)));
  }

  /**
   * The overload to call with these argument names, or the PostgREST error (PGRST202 none, PGRST203 more
   * than one). A cached signature set that fits none is read again once (a function replaced since).
   * Throws when the catalog cannot be read.
   */
  async resolve(schema: string, name: string, keys: string[]): Promise<Routine | ApiError> {
    const cached = this.#cache.get(`${schema}.${name}`);
    let routines = cached ?? (await this.#load(schema, name));
    let matches = routines.filter((r) => fits(r, keys));
    if (matches.length === 0 && cached) {
      routines = await this.#load(schema, name);
      matches = routines.filter((r) => fits(r, keys));
    }
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      return ambiguousRpc(
        matches.map((r) => `${schema}.${name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`),
      );
    }
    return noRpc(schema, name, keys, hintFor(schema, name, keys, routines));
  }
}

function fits(routine: Routine, keys: string[]): boolean {
  if (routine.hasUnnamedParam) return false;
  const names = new Set(routine.params.map((p) => p.name));
  const given = new Set(keys);
  return keys.every((k) => names.has(k)) && routine.params.every((p) => !p.required || given.has(p.name));
}

/** PostgREST suggests the overload whose parameter list is closest; here: the one sharing most names. */
function hintFor(schema: string, name: string, keys: string[], routines: Routine[]): string | null {
  let best: Routine | undefined;
  let bestScore = 0;
  for (const r of routines) {
    if (r.hasUnnamedParam) continue;
    const score = r.params.filter((p) => keys.includes(p.name)).length + 1;
    if (score > bestScore) {
      best = r;
      bestScore = score;
    }
  }
  if (!best) return null;
  const params = best.params.map((p) => p.name).sort();
  return `Perhaps you meant to call the function ${schema}.${name}(${params.join(', ')})`;
}
