import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// Cross-origin isolation: without both headers the page gets no SharedArrayBuffer, and the WASM backend runs on one
// thread (README, "Hosting"). Every response carries them, so workers, blob: workers and assets match the page.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Content-Security-Policy: the app's own origin and nothing else. What it truly needs beyond 'self': blob: workers
// (tfjs-backend-wasm's pthreads), 'wasm-unsafe-eval' (compiling WebAssembly, no JS eval), inline styles (Plotly and
// React style attributes), data:/blob: images (thumbnails, downloads). No remote origin anywhere. `frame-ancestors`
// only works as a header, so the meta tag of the built page (for static hosts) carries the rest without it;
// public/_headers repeats the headers for hosts that read that file.
const CSP_BASE = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];
export const CONTENT_SECURITY_POLICY = [...CSP_BASE, "frame-ancestors 'none'"].join('; ');
export const META_CONTENT_SECURITY_POLICY = CSP_BASE.join('; ');
// `npm start` only: Vite's dev server injects an inline module script (React refresh) and talks HMR over a WebSocket
// to the loopback address; nothing else is relaxed.
const DEV_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:",
).replace("connect-src 'self' blob: data:", "connect-src 'self' blob: data: ws://127.0.0.1:* ws://localhost:*");

const security = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** The built page's meta CSP (static hosts that send no headers); the dev server's page has none (HMR). */
function metaCsp(): Plugin {
  return {
    name: 'meta-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: META_CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

// tfjs-backend-wasm's threaded SIMD build starts its pthread workers from a Blob holding
// `var WasmBackendModuleThreadedSimd = ` + wasmFactoryThreadedSimd.toString(): the text of the *bundled* Emscripten
// factory, re-evaluated at the top level of each pthread worker. Minified, that text is no longer self-contained:
// `typeof _scriptDir !== "undefined" && _scriptDir` became `e!==void 0&&e`, where `e` is a variable of the closure
// the factory was cut out of, so every pthread worker dies with `ReferenceError: e is not defined` and the backend
// never starts. This plugin gives the pthread workers the Emscripten glue as shipped instead
// (wasm-out/tfjs-backend-wasm-threaded-simd.js): served as a separate, unminified asset and loaded by URL. That file
// defines the same global `WasmBackendModuleThreadedSimd`, and is what Emscripten's own pthread loader expects.
//
// Only the build needs it: the dev server pre-bundles tfjs without minifying, so the original text still works there.

const TARGET = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
const BLOB = /new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\],\s*\{ type: 'text\/javascript' \}\)/;
const GLUE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';

function tfjsWasmThreads(): Plugin {
  return {
    name: 'tfjs-wasm-threads',
    apply: 'build',
    transform(code, id) {
      if (!TARGET.test(id.split('?')[0])) return null;
      if (!BLOB.test(code))
        this.error('tfjs-wasm-threads: the threaded-SIMD worker Blob was not found in backend_wasm.js (a new tfjs?): update vite.config.ts');
      // The pthread workers are blob: workers, where a relative URL does not resolve: make it absolute here.
      const patched = code.replace(BLOB, 'new URL(__tfjsThreadedGlueUrl, self.location.href).href');
      return { code: `import __tfjsThreadedGlueUrl from '${GLUE}';\n${patched}`, map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), metaCsp()],
  // Every dependency the page *and the workers* import, pre-bundled up front. Vite's dependency scan starts from
  // index.html and does not follow `new Worker(new URL(...))`, so without this list a fresh clone's dev server
  // discovers tfjs, comlink, umap-js… only when a worker first imports them, re-optimises, and reloads the page
  // ("optimized dependencies changed. reloading"), losing the run in progress (test/browser/devServer.test.ts).
  optimizeDeps: {
    entries: ['index.html', 'src/worker/trainWorker.ts', 'src/worker/umapWorker.ts'],
    include: [
      'react',
      'react-dom/client',
      'react/jsx-runtime',
      'react/jsx-dev-runtime',
      'comlink',
      'fflate',
      'idb-keyval',
      'image-size',
      'papaparse',
      'plotly.js-dist-min',
      'umap-js',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow-models/universal-sentence-encoder',
    ],
  },
  worker: {
    format: 'es',
    plugins: () => [tfjsWasmThreads()],
    // Without this, Vite 8 keeps every @license comment in the worker bundle (shared/spec/assets.md).
    rolldownOptions: { output: { comments: { legal: false } } },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    rolldownOptions: { output: { comments: { legal: false } } },
  },
  server: { host: '127.0.0.1', headers: { ...crossOriginIsolation, ...security, 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY } },
  preview: { host: '127.0.0.1', headers: { ...crossOriginIsolation, ...security } },
});
