// The dashboard's build: web/ → web/dist, served by the API server at `/` (src/http/plugins/dashboard.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
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
