/** The size table `npm run build` prints. */
import type { BundleInfo } from './bundle-info';

function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The client libraries worth naming in the size table (the rest are their dependencies). */
const SDKS = ['@google-cloud/pubsub', '@google-cloud/storage', '@supabase/supabase-js', 'jose', 'zod'];

function alignRows(rows: string[][]): string {
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

/** The web apps inside bundles, file by file (part of each bundle's index.js above). */
function formatBrowserFiles(bundles: BundleInfo[]): string {
  const rows = bundles.flatMap((b) =>
    (b.browser ?? []).map((f) => [`${b.name} ${f.path}`, formatKiB(f.bytes), formatKiB(f.gzipBytes), '']),
  );
  if (rows.length === 0) return '';
  const sum = (pick: (f: { bytes: number; gzipBytes: number }) => number) =>
    bundles.flatMap((b) => b.browser ?? []).reduce((n, f) => n + pick(f), 0);
  return `\n\n${alignRows([
    ['web app (inside index.js)', 'raw', 'gzip', ''],
    ...rows,
    ['total', formatKiB(sum((f) => f.bytes)), formatKiB(sum((f) => f.gzipBytes)), ''],
  ])}`;
}

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
  return alignRows(rows) + formatBrowserFiles(bundles);
}
