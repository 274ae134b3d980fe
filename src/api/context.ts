import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { Engine } from '../engine/duckdb.js';
import type { ObjectStore } from '../lake/index.js';
import type { ServingStore } from '../serving/index.js';
import type { ApiAuth } from './auth.js';
import type { KpiService } from './kpi-service.js';

/** What the routes share: the stores, the KPI service, admin auth, and a DuckDB engine opened on first use. */
export class ApiContext {
  private engine: Promise<Engine> | undefined;
  readonly scratchDir: string;

  constructor(
    readonly config: Config,
    readonly serving: ServingStore,
    readonly lake: ObjectStore,
    readonly kpis: KpiService,
    readonly auth: ApiAuth,
  ) {
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
  interface FastifyInstance {
    ctx: ApiContext;
  }
}
