/**
 * The images of a document as the API gives it: each `*_visual` object became a reference with the `url`
 * of its bytes (same origin, under /api/artifacts/). Pure: no DOM.
 */

export interface VisualRef {
  /** The dot path of keys from the document root, e.g. `components.current_state.chart_visual`. */
  name: string;
  url: string;
  contentType?: string;
  /** The visual's own `title` or `caption`, when it has one. */
  caption?: string;
}

const VISUAL_URL = /^\/api\/artifacts\/[^/]+\/visuals\/[^/]+$/;

export function findVisuals(document: unknown): VisualRef[] {
  const out: VisualRef[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, String(i)]);
      return;
    }
    const record = value as Record<string, unknown>;
    const key = path[path.length - 1] ?? '';
    const url = record.url;
    if (key.endsWith('_visual') && typeof url === 'string' && VISUAL_URL.test(url.split('?')[0]!)) {
      const caption = [record.title, record.caption].find((c): c is string => typeof c === 'string');
      out.push({
        name: path.join('.'),
        url,
        ...(typeof record.content_type === 'string' ? { contentType: record.content_type } : {}),
        ...(caption ? { caption } : {}),
      });
      return;
    }
    for (const [k, v] of Object.entries(record)) walk(v, [...path, k]);
  };
  walk(document, []);
  return out;
}
