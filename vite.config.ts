// Builds the browser client in src/web into dist/web, which the server serves at `/`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src/web', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web', import.meta.url));
const DEV_SERVER = process.env.PARLEY_DEV_SERVER ?? 'http://127.0.0.1:50000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  // The CSP forbids inline scripts, so nothing may be inlined as a data: module preload or script.
  build: {
    outDir,
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npx vite` proxies the API and WebSocket to a running `parley server` on the default port. The
    // server only trusts its own origin, so the proxy presents the page as coming from there.
    proxy: {
      '/api': { target: DEV_SERVER, changeOrigin: true, headers: { origin: DEV_SERVER } },
      '/ws': { target: DEV_SERVER, ws: true, changeOrigin: true, headers: { origin: DEV_SERVER } },
    },
  },
  logLevel: 'warn',
});
