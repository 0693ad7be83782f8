/**
 * GCS request preconditions (`ifGenerationMatch`, `ifGenerationNotMatch`, `ifMetagenerationMatch`,
 * `ifMetagenerationNotMatch` query parameters), evaluated against the current generation of an object.
 */
import { conditionNotMet, GcsHttpError, invalidArgument } from './errors';
import type { StoredObject } from './resource';

export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

const KEYS = [
  'ifGenerationMatch',
  'ifGenerationNotMatch',
  'ifMetagenerationMatch',
  'ifMetagenerationNotMatch',
];

/** A decimal int64 query parameter, normalised ("007" -> "7"); 400 when it is not one. */
export function int64Param(query: URLSearchParams, key: string): string | undefined {
  const raw = query.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,19}$/.test(raw) || BigInt(raw) > 9223372036854775807n) {
    throw invalidArgument(`Invalid argument for parameter ${key}: ${raw}`);
  }
  return BigInt(raw).toString();
}

export function readPreconditions(query: URLSearchParams): Preconditions {
  const result: Preconditions = {};
  for (const key of KEYS) {
    const value = int64Param(query, key);
    if (value !== undefined) result[key as keyof Preconditions] = value;
  }
  return result;
}

/**
 * For writes and deletes: throws 412 conditionNotMet when a precondition fails. `ifGenerationMatch=0`
 * means "only when no live object exists".
 */
export function checkWritePreconditions(current: StoredObject | undefined, p: Preconditions): void {
  const generation = current?.generation ?? '0';
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== generation) throw conditionNotMet();
  if (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === generation) throw conditionNotMet();
  if (p.ifMetagenerationMatch !== undefined && p.ifMetagenerationMatch !== current?.metageneration) {
    throw conditionNotMet();
  }
  if (p.ifMetagenerationNotMatch !== undefined && p.ifMetagenerationNotMatch === current?.metageneration) {
    throw conditionNotMet();
  }
}

/** For reads of an existing object: 412 on a failed *Match, 304 Not Modified on a failed *NotMatch. */
export function checkReadPreconditions(current: StoredObject, p: Preconditions): void {
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== current.generation)
    throw conditionNotMet();
  if (p.ifMetagenerationMatch !== undefined && p.ifMetagenerationMatch !== current.metageneration) {
    throw conditionNotMet();
  }
  if (
    (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === current.generation) ||
    (p.ifMetagenerationNotMatch !== undefined && p.ifMetagenerationNotMatch === current.metageneration)
  ) {
    throw new GcsHttpError(304, 'notModified', 'Not Modified');
  }
}
