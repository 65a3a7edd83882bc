import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the Rule Center at /console (src/transport/http/console-assets.ts); the API is on
// the same origin. No inline scripts: the /console Content-Security-Policy forbids them.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
});
