import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app for bureau staff and companies. `npm run build:web` writes web/dist, which
// `zhishu serve` serves at / (index.html for client routes). `npm run dev:web` serves it with hot
// reload and sends /api to a running `zhishu serve` (ZHISHU_API, default http://127.0.0.1:8080).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // echarts (bar charts only, loaded with the first chart) is about 505 kB minified, 170 kB gzipped
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ },
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'i18n', test: /node_modules[\\/](i18next|react-i18next)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': process.env.ZHISHU_API ?? 'http://127.0.0.1:8080' },
  },
});
