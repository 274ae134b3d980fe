import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { Engine } from '../engine/duckdb.js';
import type { ObjectStore } from '../lake/index.js';
import type { ServingStore } from '../serving/index.js';
import type { ApiAuth } from './auth.js';
import type { KpiService } from './kpi-service.js';

/**
 * What the routes use, each decorated on the Fastify instance (`app.lake`, `app.kpis`...): a route
 * plugin takes the services it needs by name, and a test can build the app with any of them replaced.
 */
export interface ApiServices {
  config: Config;
  lake: ObjectStore;
  serving: ServingStore;
  kpis: KpiService;
  auth: ApiAuth;
  engine: LazyEngine;
}

/** A DuckDB engine opened on first use (the explorer, the comparison, the lake fallback) and its scratch folder. */
export class LazyEngine {
  private engine: Promise<Engine> | undefined;
  readonly scratchDir: string;

  constructor(private readonly config: Config) {
    this.scratchDir = path.join(config.scratchDir, `server-${process.pid}`);
  }

  db(): Promise<Engine> {
    this.engine ??= Engine.open(this.config.duckdb, path.join(this.scratchDir, 'duckdb-spill'));
    return this.engine;
  }

  async close(): Promise<void> {
    if (this.engine) (await this.engine).close();
    await fs.rm(this.scratchDir, { recursive: true, force: true });
  }
}

declare module 'fastify' {
  // The decorations are the services: declared once, above. (An interface merge needs the empty body.)
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface FastifyInstance extends ApiServices {}
}
