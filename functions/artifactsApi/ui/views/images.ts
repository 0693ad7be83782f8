/**
 * The artifact's images, inline. An <img> cannot send the Authorization header, so each image is fetched
 * with it and shown through an object URL (`blob:`, allowed by the CSP's img-src), revoked when the page is
 * left.
 */
import { h } from '../dom';
import type { VisualRef } from '../visuals';
import type { ViewContext } from './context';
import { loading } from './status';

function figure(ctx: ViewContext, visual: VisualRef): HTMLElement {
  const frame = h('div', { class: 'frame' }, loading('Loading image…'));
  const caption = h(
    'figcaption',
    {},
    h('code', {}, visual.name),
    visual.caption ? h('span', { class: 'caption' }, ` — ${visual.caption}`) : null,
  );
  const load = async () => {
    frame.replaceChildren(loading('Loading image…'));
    try {
      const blob = await ctx.api.blob(visual.url, ctx.signal);
      const url = URL.createObjectURL(blob);
      ctx.onLeave(() => URL.revokeObjectURL(url));
      const img = h('img', { src: url, alt: visual.caption ?? visual.name, 'data-visual': visual.name });
      frame.replaceChildren(img);
    } catch (err) {
      ctx.fail(err, frame, () => void load());
    }
  };
  void load();
  return h('figure', { class: 'visual' }, frame, caption);
}

export function imagesSection(ctx: ViewContext, visuals: VisualRef[]): HTMLElement {
  return h(
    'section',
    { class: 'images', 'aria-labelledby': 'images-title' },
    h('h2', { id: 'images-title' }, `Images (${visuals.length})`),
    visuals.length === 0
      ? h('p', { class: 'empty' }, 'This artifact has no images.')
      : h('div', { class: 'gallery' }, ...visuals.map((v) => figure(ctx, v))),
  );
}
