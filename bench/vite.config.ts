// Bundles bench/nodeStep.ts into one ESM file for plain Node: .devbench/nodeStep.mjs (scripts/bench-gpu.mjs and
// scripts/pack-device-bench.sh). tfjs-core, its gradients and both backends are bundled (one tfjs-core instance);
// only the `webgpu` package stays outside: it loads Dawn's native dawn.node from beside its own index.js.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
  build: {
    ssr: 'bench/nodeStep.ts',
    outDir: '.devbench',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    copyPublicDir: false,
    rolldownOptions: {
      external: ['webgpu'],
      output: {
        format: 'es',
        entryFileNames: 'nodeStep.mjs',
        codeSplitting: false,
        comments: { legal: false },
      },
    },
  },
});
