/**
 * Builds the renderer to renderer/dist with relative URLs, so the same files
 * work from gnc://app/ (Electron), file:// and the web bridge (`gnc app`).
 *
 * CSP: Svelte's CSS is emitted as files (emitCss, css: 'external'), never
 * injected at run time, so the page keeps `style-src 'self'`. Only the dev
 * server (which injects CSS for hot reload) relaxes style-src for itself.
 *
 * Dev: `GNC_BRIDGE=http://127.0.0.1:PORT npm run dev:renderer` proxies /api/
 * to a running `gnc app` (rewriting Origin so the bridge accepts it); open
 * the dev server's URL with the bridge's #token=… fragment.
 */
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// No Node imports here: scripts/check-layers.js keeps every file under renderer/ free of them.
const root = import.meta.dirname;
const bridge = process.env.GNC_BRIDGE;

function devCsp(): Plugin {
  return {
    name: 'gnc-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [svelte({ emitCss: true, compilerOptions: { css: 'external' } }), devCsp()],
  // The WebGPU worker (src/lib/gpu/worker.ts: tfjs-core + the WebGPU backend) is a module worker, a file of its own.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Small assets stay files too (no data: URLs needed beyond what CSP allows anyway).
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    host: '127.0.0.1',
    strictPort: false,
    proxy: bridge
      ? {
          '/api': {
            target: bridge,
            changeOrigin: true,
            configure(proxy) {
              proxy.on('proxyReq', (req) => {
                if (req.getHeader('origin')) req.setHeader('origin', bridge);
              });
            },
          },
        }
      : undefined,
  },
});
