import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes `<file>.br` and `<file>.gz` next to each text file of the build (brotli at its best quality:
 * it is done once, here, not per request), which the API server sends to the clients that accept
 * them (@fastify/static's `preCompressed`). A compressed copy no smaller than its file is not written.
 */
function precompress(): Plugin {
  return {
    name: 'datalake:precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir!;
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(?:html|js|mjs|css|svg|json|txt)$/.test(fileName)) continue;
        const file = path.join(dir, fileName);
        const raw = await fs.readFile(file);
        const br = brotliCompressSync(raw, {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        });
        const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
        if (br.length < raw.length) await fs.writeFile(`${file}.br`, br);
        if (gz.length < raw.length) await fs.writeFile(`${file}.gz`, gz);
      }
    },
  };
}

// The dashboard is built into dist/dashboard, which the API server serves at `/`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // The ECharts chunk (./src/echarts.ts) is about 600 kB before compression; it is loaded with the first chart.
    chunkSizeWarningLimit: 700,
  },
  plugins: [precompress()],
  server: { proxy: { '/api': 'http://127.0.0.1:5000', '/ready': 'http://127.0.0.1:5000' } },
});
