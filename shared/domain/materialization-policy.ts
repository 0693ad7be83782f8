/**
 * The materialization policy (docs/design.md, "Policy"): which artifacts are persisted, and for how long. Artifacts are
 * ephemeral by default; the policy, evaluated by the runtime for every request, decides. The shipped default
 * (default-materialization-policy.json) is the seed's MVP: everything ephemeral, a request may ask to persist.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import DEFAULT_POLICY_JSON from './default-materialization-policy.json';
import { PermanentError } from './errors';
import {
  type MaterializationDecision,
  type MaterializationOverride,
  MaterializationMode as Mode,
  RetentionDays,
} from './materialization';
import { formatIssues } from './schema-issues';

export type { MaterializationDecision, MaterializationMode } from './materialization';

export const MaterializationPolicy = z.strictObject({
  version: z.literal(1),
  default: z.strictObject({ mode: Mode, retention_days: RetentionDays.optional() }),
  rules: z
    .array(
      z.strictObject({
        match: z
          .strictObject({
            artifact_type: z.array(z.string().min(1)).min(1).optional(),
            tenant_id: z.array(z.string().min(1)).min(1).optional(),
          })
          .refine(
            (m) => m.artifact_type || m.tenant_id,
            'a rule must match on artifact_type and/or tenant_id',
          ),
        mode: Mode,
        retention_days: RetentionDays.optional(),
        reason: z.string().max(500).optional(),
      }),
    )
    .default([]),
  overrides: z
    .strictObject({
      allow: z.boolean(),
      modes: z.array(Mode).default(['persist', 'ephemeral']),
      max_retention_days: RetentionDays.nullable().default(null),
    })
    .default({ allow: false, modes: [], max_retention_days: null }),
});

export type MaterializationPolicy = z.infer<typeof MaterializationPolicy>;

export interface Evaluation {
  decision: MaterializationDecision;
  /** Why a request override was not applied, when there was one. */
  override_ignored: string | null;
}

/** Validates a policy document; PermanentError('INVALID_POLICY') naming every problem otherwise. */
export function parsePolicy(value: unknown, origin: string): MaterializationPolicy {
  const result = MaterializationPolicy.safeParse(value);
  if (!result.success) {
    throw new PermanentError(
      'INVALID_POLICY',
      `invalid materialization policy (${origin}): ${formatIssues(result.error)}`,
    );
  }
  return result.data;
}

export const DEFAULT_POLICY: MaterializationPolicy = parsePolicy(DEFAULT_POLICY_JSON, 'shipped default');

/**
 * The policy from the environment: MATERIALIZATION_POLICY (inline JSON), else the file at
 * MATERIALIZATION_POLICY_FILE, else the shipped default. Both set is ambiguous and refused.
 */
export function loadPolicy(env: NodeJS.ProcessEnv = process.env): MaterializationPolicy {
  const inline = env.MATERIALIZATION_POLICY?.trim();
  const file = env.MATERIALIZATION_POLICY_FILE?.trim();
  if (inline && file) {
    throw new PermanentError(
      'INVALID_POLICY',
      'set MATERIALIZATION_POLICY or MATERIALIZATION_POLICY_FILE, not both',
    );
  }
  const [text, origin] = inline
    ? [inline, 'MATERIALIZATION_POLICY']
    : file
      ? [readPolicyFile(file), `MATERIALIZATION_POLICY_FILE=${file}`]
      : [null, 'shipped default'];
  if (text === null) return DEFAULT_POLICY;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PermanentError('INVALID_POLICY', `${origin} is not JSON: ${(err as Error).message}`);
  }
  return parsePolicy(value, origin);
}

function readPolicyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new PermanentError(
      'INVALID_POLICY',
      `cannot read MATERIALIZATION_POLICY_FILE ${path}: ${(err as Error).message}`,
    );
  }
}

/** First matching rule, else the default; then the request's override where the policy permits it. */
export function evaluatePolicy(
  policy: MaterializationPolicy,
  request: {
    artifact_type: string;
    tenant_id: string;
    materialization?: MaterializationOverride | undefined;
  },
): Evaluation {
  const ruleIndex = policy.rules.findIndex(
    (r) =>
      (!r.match.artifact_type || r.match.artifact_type.includes(request.artifact_type)) &&
      (!r.match.tenant_id || r.match.tenant_id.includes(request.tenant_id)),
  );
  const rule = ruleIndex >= 0 ? policy.rules[ruleIndex] : undefined;
  const base: MaterializationDecision = rule
    ? {
        mode: rule.mode,
        source: 'rule',
        rule_index: ruleIndex,
        retention_days: rule.mode === 'persist' ? (rule.retention_days ?? null) : null,
        reason: rule.reason ?? null,
      }
    : {
        mode: policy.default.mode,
        source: 'default',
        rule_index: null,
        retention_days: policy.default.mode === 'persist' ? (policy.default.retention_days ?? null) : null,
        reason: null,
      };

  const override = request.materialization;
  if (!override) return { decision: base, override_ignored: null };
  if (!policy.overrides.allow)
    return { decision: base, override_ignored: 'the policy does not allow overrides' };
  if (!policy.overrides.modes.includes(override.mode)) {
    return { decision: base, override_ignored: `the policy does not allow overriding to ${override.mode}` };
  }
  const max = policy.overrides.max_retention_days;
  let retention: number | null = null;
  if (override.mode === 'persist') {
    retention = override.retention_days ?? max;
    if (max !== null && retention !== null && retention > max) retention = max;
  }
  return {
    decision: {
      mode: override.mode,
      source: 'override',
      rule_index: null,
      retention_days: retention,
      reason: override.reason ?? null,
    },
    override_ignored: null,
  };
}

/** When a persisted artifact expires, or null when it is kept until deleted. */
export function expiryOf(decision: MaterializationDecision, now: Date = new Date()): Date | null {
  if (decision.mode !== 'persist' || decision.retention_days === null) return null;
  return new Date(now.getTime() + decision.retention_days * 86_400_000);
}
