/**
 * `artifact-store quarantine list [--day D] [--code C] [--replayed]`, `quarantine show <path>`,
 * `quarantine replay <path>... | --code C [--day D]`: what the store refused, and sending it again.
 *
 * Replaying a store record publishes its original message again (the artifact id the original resolved to
 * written into it, so it lands where the original would have), then moves the record to
 * `quarantine/replayed/...`. Replaying a sync record records the manifest it names, as its finalize event
 * would have, and moves the record the same way when that succeeds.
 */
import { isPermanent } from '../shared/domain/errors';
import { parseManifestPath } from '../shared/domain/paths';
import {
  listQuarantine,
  markReplayed,
  readQuarantineRecord,
  replayMessage,
} from '../shared/operations/quarantine';
import { recordManifest } from '../shared/operations/record-manifest';
import type { PublishTransport } from '../shared/producer/publish-transport';
import { cliBlobStore, cliMetadataStore } from './backends';

export interface QuarantineOptions {
  day?: string | undefined;
  code?: string | undefined;
  replayed?: boolean | undefined;
}

export async function quarantineCommand(
  sub: string | undefined,
  paths: string[],
  options: QuarantineOptions,
  transport: () => PublishTransport,
): Promise<void> {
  const blobs = cliBlobStore();
  switch (sub) {
    case 'list': {
      const entries = await listQuarantine(blobs, {
        ...(options.day ? { day: options.day } : {}),
        ...(options.code ? { code: options.code } : {}),
        replayed: options.replayed === true,
      });
      for (const e of entries) process.stdout.write(`${e.path}\t${e.kind}\t${e.error_code}\t${e.created}\n`);
      if (process.stderr.isTTY) process.stderr.write(`${entries.length} record(s)\n`);
      return;
    }
    case 'show': {
      if (paths.length === 0) throw new Error('quarantine show needs a path (see quarantine list)');
      for (const path of paths) {
        const record = await readQuarantineRecord(blobs, path);
        if (!record) throw new Error(`${path}: no such quarantine record`);
        const decoded =
          record.function === 'storeArtifact'
            ? {
                ...record,
                message: {
                  ...record.message,
                  data_text: Buffer.from(record.message.data, 'base64').toString('utf8'),
                },
              }
            : record;
        process.stdout.write(`${JSON.stringify(decoded, null, 2)}\n`);
      }
      return;
    }
    case 'replay': {
      const targets =
        paths.length > 0
          ? paths
          : options.code
            ? (
                await listQuarantine(blobs, {
                  code: options.code,
                  ...(options.day ? { day: options.day } : {}),
                })
              ).map((e) => e.path)
            : [];
      if (targets.length === 0)
        throw new Error('quarantine replay needs paths, or --code C (nothing matched)');
      let publisher: PublishTransport | undefined;
      let failed = 0;
      try {
        for (const path of targets) {
          const record = await readQuarantineRecord(blobs, path);
          if (!record) {
            process.stderr.write(`${path}: no such quarantine record\n`);
            failed++;
            continue;
          }
          if (record.function === 'storeArtifact') {
            publisher ??= transport();
            const { data, attributes } = replayMessage(record);
            const messageId = await publisher.publish(data, attributes);
            const moved = await markReplayed(blobs, path);
            process.stdout.write(`${path}\treplayed as message ${messageId}\t-> ${moved}\n`);
            continue;
          }
          const key = parseManifestPath(record.event.name);
          if (!key) {
            process.stderr.write(`${path}: ${record.event.name} is not a manifest\n`);
            failed++;
            continue;
          }
          try {
            const outcome = await recordManifest(
              { blobs, metadata: await cliMetadataStore() },
              record.event.name,
              key,
            );
            const moved = await markReplayed(blobs, path);
            process.stdout.write(`${path}\trecorded (${outcome})\t-> ${moved}\n`);
          } catch (err) {
            if (!isPermanent(err)) throw err;
            process.stderr.write(`${path}: still refused: ${err.code}: ${err.message}\n`);
            failed++;
          }
        }
      } finally {
        await publisher?.close?.();
      }
      if (failed > 0) process.exitCode = 1;
      return;
    }
    default:
      throw new Error(
        'usage: quarantine list [--day D] [--code C] | show <path> | replay <path>... | --code C',
      );
  }
}
