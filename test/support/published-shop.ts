import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/api/server.js';
import type { Config } from '../../src/config.js';
import { generate } from '../../src/generate/generator.js';
import { openServingStore, type ServingStore } from '../../src/serving/index.js';
import { FIXED_DAY, tempConfig } from './env.js';
import { listen } from './http.js';
import { runPipeline } from './run.js';

export interface PublishedShop {
  config: Config;
  app: FastifyInstance;
  get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  serving: ServingStore;
  close(): Promise<void>;
}

/** The shop published from 200 clients and 5000 purchases, served on a free port: what the API tests read. */
export async function publishedShop(): Promise<PublishedShop> {
  const { config } = await tempConfig();
  await generate({ outDir: config.sourcesDir, clients: 200, achats: 5000, seed: 9, asOf: FIXED_DAY });
  // One malformed line: its raw text (personal data included) lands in the quarantine.
  await fs.appendFile(path.join(config.sourcesDir, 'clients.csv'), '999,Eve Secret,eve@secret.org,2025-01-01,France,extra\n');
  const { error } = await runPipeline({ config });
  assert.equal(error, undefined);
  const app = await createApp(config);
  const { get } = await listen(app);
  const serving = openServingStore(config);
  return {
    config,
    app,
    get,
    serving,
    close: async () => {
      await app.close();
      await serving.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    },
  };
}
