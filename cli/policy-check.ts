/**
 * Will the local stack keep what is being published? The CLI evaluates the materialization policy (docs/design.md, "Policy")
 * the local store function runs with, where it can know it: the policy a running `npm start` recorded in
 * LOCAL_DATA_DIR/stack.json, else MATERIALIZATION_POLICY / MATERIALIZATION_POLICY_FILE as npm start would
 * pass them on, else the shipped default. Against a deployment it says nothing (it cannot know that policy).
 */
import { LOCAL } from '../local/defaults';
import { readStackState } from '../local/stack-lock';
import type { MaterializationOverride } from '../shared/domain/materialization';
import { evaluatePolicy, loadPolicy } from '../shared/domain/materialization-policy';

export interface PolicySubject {
  artifact_type: string;
  tenant_id: string;
  materialization?: MaterializationOverride | undefined;
}

/** The warning to print when the local policy will not persist `request` (undefined when it will). */
export function localPolicyWarning(
  request: PolicySubject,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const running = readStackState(LOCAL.dataDir);
  const source: NodeJS.ProcessEnv = running
    ? {
        ...(running.materialization_policy ? { MATERIALIZATION_POLICY: running.materialization_policy } : {}),
        ...(running.materialization_policy_file
          ? { MATERIALIZATION_POLICY_FILE: running.materialization_policy_file }
          : {}),
      }
    : {
        MATERIALIZATION_POLICY: env.MATERIALIZATION_POLICY,
        MATERIALIZATION_POLICY_FILE: env.MATERIALIZATION_POLICY_FILE,
      };
  const origin = source.MATERIALIZATION_POLICY
    ? 'MATERIALIZATION_POLICY'
    : source.MATERIALIZATION_POLICY_FILE
      ? `policy file ${source.MATERIALIZATION_POLICY_FILE}`
      : 'the shipped default policy';
  let evaluation: ReturnType<typeof evaluatePolicy>;
  try {
    evaluation = evaluatePolicy(loadPolicy(source), request);
  } catch (err) {
    return `cannot tell whether the local stack will keep this artifact: ${(err as Error).message}`;
  }
  const { decision, override_ignored } = evaluation;
  if (decision.mode === 'persist') return undefined;
  const why = decision.source === 'rule' ? `rule ${decision.rule_index} of ${origin}` : `${origin}`;
  const what = `${request.artifact_type} for tenant ${request.tenant_id}`;
  if (override_ignored) {
    return `the local stack will not store this ${what}: ${why} makes it ephemeral and ignores the request's override (${override_ignored})`;
  }
  return `the local stack will not store this ${what}: ${why} makes it ephemeral; add --persist to keep it`;
}
