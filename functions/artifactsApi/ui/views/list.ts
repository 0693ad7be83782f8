/**
 * The tenant's artifacts, newest first: the list's filters (type, execution id, session id) as a form whose
 * values live in the URL fragment, and keyset paging by `next_cursor` ("Load more" appends the next page).
 */
import { h } from '../dom';
import { formatBytes, formatDate, shortId } from '../format';
import { artifactHash, FILTERS, type FilterName, type ListFilters, listHash, listQuery } from '../route';
import type { ArtifactSummary, Page } from '../types';
import type { ViewContext } from './context';
import { loading } from './status';

const LABELS: Record<FilterName, string> = {
  artifact_type: 'Type',
  execution_id: 'Execution id',
  session_id: 'Session id',
};

function filterForm(filters: ListFilters, limit: number): HTMLFormElement {
  const inputs = FILTERS.map((name) =>
    h('input', {
      id: `filter-${name}`,
      name,
      type: 'search',
      value: filters[name] ?? '',
      autocomplete: 'off',
    }),
  );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter artifacts' },
    ...FILTERS.map((name, i) =>
      h('div', { class: 'field' }, h('label', { for: `filter-${name}` }, LABELS[name]), inputs[i]!),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply'),
      h('a', { class: 'button secondary', href: listHash({}, limit) }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next: ListFilters = {};
    FILTERS.forEach((name, i) => {
      const value = inputs[i]!.value.trim();
      if (value) next[name] = value;
    });
    location.hash = listHash(next, limit);
  });
  return form;
}

function row(item: ArtifactSummary): HTMLTableRowElement {
  const name = item.ui_name || '(unnamed)';
  return h(
    'tr',
    {},
    h('td', { 'data-label': 'Name' }, h('a', { href: artifactHash(item.artifact_id) }, name)),
    h('td', { 'data-label': 'Type' }, h('span', { class: 'tag' }, item.artifact_type)),
    h(
      'td',
      { 'data-label': 'Created' },
      h('time', { datetime: item.created_at }, formatDate(item.created_at)),
    ),
    h('td', { 'data-label': 'Size', class: 'num' }, formatBytes(item.file_size)),
    h('td', { 'data-label': 'Version', class: 'num' }, item.version !== undefined ? `v${item.version}` : '—'),
    h('td', { 'data-label': 'Id' }, h('code', { title: item.artifact_id }, shortId(item.artifact_id))),
  );
}

export function listView(ctx: ViewContext, filters: ListFilters, limit: number): HTMLElement {
  const filtered = FILTERS.some((name) => filters[name]);
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const view = h(
    'section',
    { class: 'list', 'aria-labelledby': 'list-title' },
    h('h1', { id: 'list-title', tabindex: '-1' }, 'Artifacts'),
    filterForm(filters, limit),
    results,
  );

  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'artifacts' },
    h('caption', { class: 'visually-hidden' }, 'Artifacts, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Name', 'Type', 'Created', 'Size', 'Version', 'Id'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    body,
  );
  const count = h('p', { class: 'count', id: 'list-count' });
  const more = h('div', { class: 'more' });
  let shown = 0;

  const load = async (cursor: string | null) => {
    const status = loading(cursor ? 'Loading more artifacts…' : 'Loading artifacts…');
    if (cursor) more.replaceChildren(status);
    else results.replaceChildren(status);
    view.setAttribute('aria-busy', 'true');
    try {
      const page = await ctx.api.json<Page<ArtifactSummary>>(
        `/api/artifacts?${listQuery(filters, limit, cursor)}`,
        ctx.signal,
      );
      if (!cursor) {
        if (page.items.length === 0) {
          results.replaceChildren(
            h('p', { class: 'empty' }, filtered ? 'No artifacts match these filters.' : 'No artifacts yet.'),
          );
          return;
        }
        results.replaceChildren(count, h('div', { class: 'table-wrap' }, table), more);
      }
      const before = body.rows.length;
      body.append(...page.items.map(row));
      shown += page.items.length;
      count.textContent = `${shown} artifact${shown === 1 ? '' : 's'}${page.next_cursor ? ', more available' : ''}`;
      more.replaceChildren(
        page.next_cursor
          ? h(
              'button',
              { type: 'button', id: 'load-more', onclick: () => void load(page.next_cursor) },
              'Load more',
            )
          : '',
      );
      if (cursor) {
        // The button that had focus is gone: focus moves to the first artifact of the new page.
        body.rows[before]?.querySelector('a')?.focus();
        ctx.announce(`${page.items.length} more artifacts loaded`);
      }
    } catch (err) {
      ctx.fail(err, cursor ? more : results, () => void load(cursor));
    } finally {
      view.removeAttribute('aria-busy');
    }
  };
  void load(null);
  return view;
}
