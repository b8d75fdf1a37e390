import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  worker: {
    format: 'es',
    // Without this, Vite 8 keeps every @license comment in the worker bundle (shared/spec/assets.md).
    rolldownOptions: { output: { comments: { legal: false } } },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    rolldownOptions: { output: { comments: { legal: false } } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
