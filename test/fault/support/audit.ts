/**
 * The fault suite's common parts: deliver a message as Pub/Sub would (redelivered until acknowledged), and
 * the audit every fault ends with — acknowledged stores = readable artifacts = manifests = rows, no orphan
 * object, nothing lost — printed as one line.
 */
import type { ObjectInfo } from '../../../shared/adapters/blob-store';
import { parseArtifactObject } from '../../../shared/domain/paths';
import { findVisualReferences, type JsonObject } from '../../../shared/domain/visuals';
import type { ReconcileReport } from '../../../shared/operations/reconcile';
import type { TestStack } from '../../support/stack';

export interface Delivery {
  messageId: string;
  /** How many pushes it took until one was acknowledged (2xx). */
  attempts: number;
  /** The storeArtifact outcome line of the acknowledged delivery. */
  outcome: Record<string, unknown>;
}

const ACK_EVENTS = ['artifact.stored', 'artifact.already_stored', 'artifact.rejected', 'artifact.ephemeral'];

/** Pushes `body` with one message id until storeArtifact acknowledges it (2xx), backing off like Pub/Sub. */
export async function deliverUntilAcked(
  t: TestStack,
  body: unknown,
  messageId: string,
  budgetMs = 180_000,
): Promise<Delivery> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  for (let attempts = 1; ; attempts++) {
    const { status } = await t.push(body, { messageId }).catch(() => ({ status: 0 }));
    if (status >= 200 && status < 300) {
      const line = t
        .logs('storeArtifact')
        .findLast((l) => l.message_id === messageId && ACK_EVENTS.includes(String(l.event)));
      if (!line) throw new Error(`message ${messageId} acknowledged without an outcome line`);
      return { messageId, attempts, outcome: line };
    }
    if (Date.now() > deadline) throw new Error(`message ${messageId} not acknowledged within ${budgetMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2_000);
  }
}

export interface AuditResult {
  acknowledged: number;
  readable: number;
  manifests: number;
  rows: number;
  orphans: number;
  lost: number;
  mismatched: number;
}

/**
 * Checks one tenant's artifacts against what was acknowledged as stored (`expected`: artifact id → the
 * document sent): each is readable through the API with exactly that document, every manifest and live row
 * of the tenant is one of them, and every object of the tenant is a manifest or referenced by one.
 */
export async function audit(
  t: TestStack,
  tenant: string,
  expected: Map<string, Record<string, unknown>>,
): Promise<AuditResult> {
  const result: AuditResult = {
    acknowledged: expected.size,
    readable: 0,
    manifests: 0,
    rows: 0,
    orphans: 0,
    lost: 0,
    mismatched: 0,
  };
  for (const [id, document] of expected) {
    const res = await t.api(`/api/artifacts/${id}?visuals=inline`, { tenant });
    if (res.status !== 200) {
      result.lost++;
      await res.arrayBuffer();
      continue;
    }
    const body = (await res.json()) as { artifact: unknown };
    if (JSON.stringify(body.artifact) === JSON.stringify(document)) result.readable++;
    else result.mismatched++;
  }
  const objects = (await t.objects('artifacts/')).filter(
    (o) => parseArtifactObject(o.name)?.key.tenant_id === tenant,
  );
  const referenced = new Set<string>();
  const manifests: ObjectInfo[] = [];
  for (const o of objects) {
    const parsed = parseArtifactObject(o.name)!;
    if (parsed.kind !== 'manifest') continue;
    manifests.push(o);
    const bytes = (await t.blobs.get(o.name))!.bytes;
    const refs = findVisualReferences(JSON.parse(bytes.toString('utf8')) as JsonObject, parsed.key);
    for (const v of refs) referenced.add(v.storage_path);
  }
  result.manifests = manifests.filter((m) =>
    expected.has(parseArtifactObject(m.name)!.key.artifact_id),
  ).length;
  const unexpectedManifests = manifests.length - result.manifests;
  result.orphans =
    objects.filter((o) => parseArtifactObject(o.name)!.kind === 'member' && !referenced.has(o.name)).length +
    unexpectedManifests;
  let page = await t.metadata.list(tenant, {}, 200);
  result.rows = page.items.filter((r) => expected.has(r.uuid)).length;
  while (page.next) {
    page = await t.metadata.list(tenant, {}, 200, page.next);
    result.rows += page.items.filter((r) => expected.has(r.uuid)).length;
  }
  return result;
}

/** One printed line per fault: the audit, and what reconcile reported. */
export function report(fault: string, result: AuditResult, reconciled?: ReconcileReport, extra = ''): void {
  const r = reconciled
    ? `; reconcile scanned ${reconciled.scanned}, recorded ${reconciled.recorded}, marked_deleted ${reconciled.marked_deleted}, removed ${reconciled.removed}, refused ${reconciled.refused}`
    : '';
  process.stdout.write(
    `[fault ${fault}] acknowledged ${result.acknowledged}, readable ${result.readable}, manifests ${result.manifests}, rows ${result.rows}, orphans ${result.orphans}, lost ${result.lost}, mismatched ${result.mismatched}${r}${extra ? `; ${extra}` : ''}\n`,
  );
}

export function expectClean(result: AuditResult): void {
  const { acknowledged } = result;
  const ok =
    result.readable === acknowledged &&
    result.manifests === acknowledged &&
    result.rows === acknowledged &&
    result.orphans === 0 &&
    result.lost === 0 &&
    result.mismatched === 0;
  if (!ok) throw new Error(`audit failed: ${JSON.stringify(result)}`);
}
