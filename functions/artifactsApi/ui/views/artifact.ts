/**
 * One artifact (of one version): its envelope, its images, its document as a tree, its versions and aliases,
 * its lineage. Each part loads on its own, so a missing versions or lineage route costs only that part.
 */
import { h } from '../dom';
import { formatBytes, formatDate } from '../format';
import type { Artifact } from '../types';
import { findVisuals } from '../visuals';
import type { ViewContext } from './context';
import { imagesSection } from './images';
import { lineageSection } from './lineage';
import { loading } from './status';
import { jsonTree } from './tree';
import { aliasChips, versionsSection } from './versions';

export interface ArtifactSelection {
  id: string;
  version?: number;
  alias?: string;
}

function envelope(a: Artifact): HTMLElement {
  const rows: Array<[string, Node | string]> = [
    ['Id', h('code', {}, a.artifact_id)],
    ['Type', a.artifact_type],
    ['Status', a.status],
    ['Created', formatDate(a.created_at)],
    ['Updated', formatDate(a.updated_at)],
    ['Expires', a.expires_at ? formatDate(a.expires_at) : 'never (kept until deleted)'],
    ['Size', formatBytes(a.file_size)],
    ['SHA-256', h('code', { class: 'hash' }, a.file_hash)],
  ];
  if (a.metadata.execution_id) rows.push(['Execution', h('code', {}, a.metadata.execution_id)]);
  if (a.metadata.session_id) rows.push(['Session', h('code', {}, a.metadata.session_id)]);
  return h('dl', { class: 'envelope' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function versionLine(a: Artifact): HTMLElement | string {
  if (a.version === undefined) return '';
  const latest = a.latest_version !== undefined && a.version === a.latest_version;
  return h(
    'p',
    { class: 'version-line', id: 'version-line' },
    `Version ${a.version}${a.latest_version !== undefined ? ` of ${a.latest_version}` : ''}`,
    latest ? h('span', { class: 'chip latest' }, 'latest') : null,
    aliasChips(a.aliases),
  );
}

export function artifactView(ctx: ViewContext, selection: ArtifactSelection): HTMLElement {
  const content = h('div', {}, loading('Loading artifact…'));
  const view = h(
    'article',
    { class: 'artifact', 'aria-busy': 'true' },
    h('p', { class: 'crumbs' }, h('a', { href: ctx.listHref }, '← All artifacts')),
    content,
  );
  const params = new URLSearchParams();
  if (selection.version !== undefined) params.set('version', String(selection.version));
  else if (selection.alias !== undefined) params.set('alias', selection.alias);
  const query = params.toString();
  const load = async () => {
    content.replaceChildren(loading('Loading artifact…'));
    view.setAttribute('aria-busy', 'true');
    try {
      const a = await ctx.api.json<Artifact>(
        `/api/artifacts/${encodeURIComponent(selection.id)}${query ? `?${query}` : ''}`,
        ctx.signal,
      );
      document.title = `${a.ui_name || a.artifact_id} — Artifacts`;
      content.replaceChildren(
        h('h1', { tabindex: '-1', id: 'artifact-title' }, a.ui_name || '(unnamed)'),
        versionLine(a),
        envelope(a),
        imagesSection(ctx, findVisuals(a.artifact)),
        h(
          'section',
          { class: 'document', 'aria-labelledby': 'document-title' },
          h('h2', { id: 'document-title' }, 'Document'),
          jsonTree(a.artifact, 'The artifact document'),
        ),
        versionsSection(ctx, a),
        lineageSection(ctx, a),
      );
      content.querySelector<HTMLElement>('h1')?.focus();
    } catch (err) {
      content.replaceChildren(h('h1', { tabindex: '-1' }, 'Artifact'));
      const box = h('div', {});
      content.append(box);
      ctx.fail(err, box, () => void load());
    } finally {
      view.removeAttribute('aria-busy');
    }
  };
  void load();
  return view;
}
