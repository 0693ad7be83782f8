/**
 * The artifact's versions (newest first, keyset pages) with their aliases; each opens that version. When the
 * API has no versions route (404/405), the section says so and the page goes on.
 */
import { isMissing } from '../api';
import { h } from '../dom';
import { formatBytes, formatDate } from '../format';
import { artifactHash } from '../route';
import type { Artifact, Page, VersionItem } from '../types';
import type { ViewContext } from './context';
import { loading } from './status';

export function aliasChips(aliases: string[] | undefined): HTMLElement | null {
  if (!aliases || aliases.length === 0) return null;
  return h('span', { class: 'chips' }, ...aliases.map((a) => h('span', { class: 'chip' }, a)));
}

function item(artifact: Artifact, v: VersionItem): HTMLLIElement {
  const current = artifact.version === v.version;
  return h(
    'li',
    { class: current ? 'current' : '' },
    h(
      'a',
      {
        href: artifactHash(artifact.artifact_id, { version: v.version }),
        'aria-current': current ? 'page' : undefined,
      },
      `Version ${v.version}`,
    ),
    v.version === artifact.latest_version ? h('span', { class: 'chip latest' }, 'latest') : null,
    aliasChips(v.aliases),
    h('span', { class: 'meta' }, `${formatDate(v.created_at)} · ${formatBytes(v.file_size)}`),
  );
}

export function versionsSection(ctx: ViewContext, artifact: Artifact): HTMLElement {
  const body = h('div', {}, loading('Loading versions…'));
  const list = h('ol', { class: 'versions', reversed: true });
  const more = h('div', { class: 'more' });
  const base = `/api/artifacts/${encodeURIComponent(artifact.artifact_id)}/versions?limit=20`;
  const load = async (cursor: string | null) => {
    try {
      const page = await ctx.api.json<Page<VersionItem>>(
        cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base,
        ctx.signal,
      );
      if (!cursor) body.replaceChildren(list, more);
      list.append(...page.items.map((v) => item(artifact, v)));
      more.replaceChildren(
        page.next_cursor
          ? h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => void load(page.next_cursor) },
              'More versions',
            )
          : '',
      );
    } catch (err) {
      if (isMissing(err))
        body.replaceChildren(
          h(
            'p',
            { class: 'empty', id: 'no-versions' },
            'No version history: this API does not list versions.',
          ),
        );
      else ctx.fail(err, cursor ? more : body, () => void load(cursor));
    }
  };
  void load(null);
  return h(
    'section',
    { class: 'versions-section', 'aria-labelledby': 'versions-title' },
    h('h2', { id: 'versions-title' }, 'Versions and aliases'),
    body,
  );
}
