/**
 * The materialization vocabulary (docs/design.md, "Policy"): the two modes, the override a request may
 * carry, and the decision recorded on the row. The policy that makes decisions is materialization-policy.ts.
 */
import { z } from 'zod';
import { RowText } from './row-text';

export const MaterializationMode = z.enum(['persist', 'ephemeral']);
export type MaterializationMode = z.infer<typeof MaterializationMode>;

export const RetentionDays = z.int().min(1).max(36_500);

/** A store request's `materialization`: honoured only where the policy's `overrides` allow it. */
export const MaterializationOverride = z.strictObject({
  mode: MaterializationMode,
  retention_days: RetentionDays.optional(),
  reason: RowText(500).optional(),
});
export type MaterializationOverride = z.infer<typeof MaterializationOverride>;

/** The decision recorded on the row (`metadata.materialization`) and in the store function's log line. */
export const MaterializationDecision = z.object({
  mode: MaterializationMode,
  source: z.enum(['default', 'rule', 'override']),
  /** Index of the matching rule when source is 'rule'. */
  rule_index: z.int().nullable(),
  retention_days: z.int().nullable(),
  reason: z.string().nullable(),
});
export type MaterializationDecision = z.infer<typeof MaterializationDecision>;
