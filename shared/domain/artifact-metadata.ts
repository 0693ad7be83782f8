/**
 * The artifact's metadata fields, defined once (docs/design.md, "Metadata fields"). A producer gives them in
 * the store request's `metadata`; the store function carries them on the manifest's custom metadata; the row
 * records each in `metadata` (and `user_id`, `ui_name` also in columns of the seed's table); the API returns
 * them in the envelope. Adding a field here is all that takes; the SQL needs it only to filter on it.
 *
 * Any other scalar field of a request's `metadata` is kept too, as `extra`.
 */
import { z } from 'zod';
import { RowText } from './row-text';

export const ArtifactMetadataFields = z.object({
  user_id: RowText(200).optional().describe('Who the artifact was produced for.'),
  ui_name: RowText(500).optional().describe('Its display name.'),
  execution_id: RowText(200)
    .optional()
    .describe('The orchestrator execution that produced it (a list filter).'),
  session_id: RowText(200).optional().describe('The session it was produced in (a list filter).'),
});

export type MetadataField = keyof typeof ArtifactMetadataFields.shape;
export const METADATA_FIELDS = Object.keys(ArtifactMetadataFields.shape) as MetadataField[];

/** An extra scalar of a request's `metadata`. */
export const MetadataScalar = z.union([RowText(1_000), z.number(), z.boolean(), z.null()]);
export type MetadataScalar = z.infer<typeof MetadataScalar>;

/** The fields as recorded (manifest, row, envelope): each a string or null. Older rows lacking one read null. */
export const RecordedMetadataFields = z.object(
  Object.fromEntries(
    METADATA_FIELDS.map((k) => [
      k,
      z
        .string()
        .nullable()
        .default(null)
        .describe(ArtifactMetadataFields.shape[k].description ?? k),
    ]),
  ) as {
    [K in MetadataField]: z.ZodDefault<z.ZodNullable<z.ZodString>>;
  },
);
export type RecordedMetadataFields = { [K in MetadataField]: string | null };

/** A request's metadata as recorded: the named fields (null when absent) and the extra scalars. */
export function recordedMetadata(metadata: Record<string, unknown> | undefined): {
  fields: RecordedMetadataFields;
  extra: Record<string, MetadataScalar>;
} {
  const fields = Object.fromEntries(METADATA_FIELDS.map((k) => [k, null])) as RecordedMetadataFields;
  const extra: Record<string, MetadataScalar> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if ((METADATA_FIELDS as string[]).includes(key)) fields[key as MetadataField] = value as string;
    // Defined, not assigned: a field named `__proto__` stays a field.
    else Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { fields, extra };
}
