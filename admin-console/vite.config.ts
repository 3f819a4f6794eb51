import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The admin console's build: `npm run build:console` (chained from `npm run build`) writes index.html and hashed
 * assets to dist/admin-console, which the service serves at /admin (src/admin-console). ADMIN_CONSOLE_OUT_DIR builds
 * elsewhere (the browser test builds into test-output/).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/admin/',
  plugins: [preact()],
  // `npm run dev:console`: Vite's dev server with hot reload; the API calls go on to the service (npm run dev) on :3000
  server: { port: 5173, proxy: { '/api': `http://localhost:${process.env.PORT ?? 3000}` } },
  build: {
    outDir: process.env.ADMIN_CONSOLE_OUT_DIR ?? '../dist/admin-console',
    emptyOutDir: true,
    // files, never data: URIs or inline code, so the console's CSP needs no exception
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
});
