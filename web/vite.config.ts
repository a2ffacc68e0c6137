// The dashboard's build: web/ → web/dist, served by the API server at `/` (src/http/plugins/dashboard.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// GOV.UK Frontend's compiled CSS asks for its fonts and images at /assets/fonts/… and
// /assets/images/…: resolve those to the package, so Vite bundles them into web/dist/assets
// (hashed, same origin, as the content security policy wants) rather than leaving dead URLs.
const govukAssets = fileURLToPath(
  new URL('../node_modules/govuk-frontend/dist/govuk/assets/', import.meta.url),
);

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  resolve: {
    alias: [{ find: /^\/assets\/(fonts|images)\//, replacement: `${govukAssets}$1/` }],
  },
  // GOV.UK Frontend still carries an old-Internet-Explorer `@media … \0` hack; the minifier
  // drops those rules (no current browser reads them) instead of failing the build.
  css: { lightningcss: { errorRecovery: true } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // ECharts alone is ~1 MB unminified; the dashboard is an internal tool on a fast network.
    chunkSizeWarningLimit: 1500,
    // No inline scripts or data: URLs the content security policy would have to allow.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
