/** The size table `npm run build` prints. */
import type { BundleInfo } from './bundle-info';

function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The client libraries worth naming in the size table (the rest are their dependencies). */
const SDKS = ['@google-cloud/pubsub', '@google-cloud/storage', '@supabase/supabase-js', 'jose', 'zod'];

export function formatSizes(bundles: BundleInfo[]): string {
  const sdks = (b: BundleInfo) => b.packages.filter((p) => SDKS.includes(p)).join(' ') || '-';
  const rows = [
    ['function', 'index.js', 'gzip', 'modules', 'packages', 'SDKs inside'],
    ...bundles.map((b) => [
      b.name,
      formatKiB(b.bytes),
      formatKiB(b.gzipBytes),
      String(b.inputs.length),
      String(b.packages.length),
      sdks(b),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) =>
          c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
