/**
 * The artifact browser (docs/design.md, "Artifact browser"), built by scripts/build/browser-app.ts into
 * artifactsApi's bundle and served at `/`. Vanilla TypeScript and DOM: views/ build the pages, the rest is
 * small helpers (api, session, route, dom, format, visuals, lineage-layout).
 */
import { startApp } from './app';

startApp();
