/**
 * `--type` / `artifact_type` against the known artifact types (docs/design.md, "Store request"). Unknown types are legal in the
 * protocol (they are stored without a type schema of their own), so the CLI warns and names the nearest known
 * type; `--strict-type` turns the warning into an error.
 */
import { KNOWN_ARTIFACT_TYPES } from '../shared/domain/artifact-types';

/** Levenshtein distance (insertions, deletions, substitutions), plus one for a transposition. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known type closest to `type` when it is close enough to be a slip (or a prefix, like `hybrid`). */
export function nearestKnownType(
  type: string,
  known: readonly string[] = KNOWN_ARTIFACT_TYPES,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = candidate.startsWith(type) && type.length >= 3 ? 1 : editDistance(type, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(type.length / 3)) ? best : undefined;
}

/** The warning for an unknown type, or undefined for a known one. */
export function unknownTypeMessage(type: string): string | undefined {
  if ((KNOWN_ARTIFACT_TYPES as readonly string[]).includes(type)) return undefined;
  const nearest = nearestKnownType(type);
  return nearest
    ? `unknown type ${type}; did you mean ${nearest}?`
    : `unknown type ${type} (known: ${KNOWN_ARTIFACT_TYPES.join(', ')}); it is stored without a type schema`;
}
