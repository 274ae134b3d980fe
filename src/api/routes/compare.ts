import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { sqlString as str } from '../../engine/duckdb.js';
import { tableObject } from '../../pipeline/gold/index.js';
import { readStates } from '../../pipeline/states.js';
import { notFound, NOTHING_PUBLISHED, notPublished } from '../http-errors.js';
import { readVersion } from '../../lake/index.js';
import { dataVersionOf, VERSION_HEADERS, versionHeaders } from '../data-version.js';
import { lakeCall } from '../lake-call.js';
import { body, errors } from '../schemas.js';

/** The seed's serving store vs lake read-time comparison. */
export default async function compareRoutes(app: FastifyInstance): Promise<void> {
  const { config, engine, kpis, lake, serving } = app;

  app.get(
    '/api/compare',
    {
      schema: {
        summary: 'Time reads of a KPI from the serving store and from its gold Parquet in the lake',
        description: "The seed's home-tab comparison (MongoDB vs MinIO): n reads from each side, with p50, p95 and mean in milliseconds.",
        tags: ['kpis'],
        querystring: {
          type: 'object',
          properties: { kpi: { type: 'string', maxLength: 200 }, n: { type: 'integer', minimum: 1, maximum: 200, default: 20 } },
          required: ['kpi'],
          additionalProperties: false,
        },
        response: { 200: { ...body('Comparison'), headers: VERSION_HEADERS }, ...errors(400, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { kpi: name, n } = request.query as { kpi: string; n: number };
      const kpi = kpis.find(name);
      if ((await kpis.version()) === undefined) throw notPublished(NOTHING_PUBLISHED);
      // Both sides read the published version, which the KPI routes serve and the headers name; the lake's
      // current one only when the published one is no longer kept.
      const published = (await serving.lastPublish().catch(() => undefined))?.data;
      const servingTimes: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const rows = await serving.read(kpi.table);
        servingTimes.push(performance.now() - start);
        if (!rows) throw notPublished(`KPI ${kpi.id} has not been published yet`);
      }
      const db = await engine.db();
      // Which object holds the KPI in the current version is resolved once; each read fetches and decodes it.
      const { gold, version } = await lakeCall(async () => readStates(lake, config.project, (published && (await readVersion(lake, published.version))) || undefined));
      reply.headers(versionHeaders(published ?? (version && dataVersionOf(version))));
      if (!gold?.objects[kpi.table]) throw notFound(`gold has no ${kpi.table}: run the pipeline`);
      const key = tableObject(gold, kpi.table);
      const lakeTimes: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        // A full read as a client of the lake would do it: fetch the object, decode the Parquet.
        const file = await lakeCall(() => lake.localPath('gold', key, engine.scratchDir));
        await db.rows(`SELECT * FROM read_parquet(${str(file)})`);
        lakeTimes.push(performance.now() - start);
        if (file.startsWith(engine.scratchDir)) await fs.rm(file, { force: true }); // an S3 download
      }
      return {
        kpi: kpi.id,
        n,
        serving_store: { name: serving.description, ...stats(servingTimes) },
        lake: { name: lake.description, ...stats(lakeTimes) },
      };
    },
  );
}


function stats(ms: number[]): { p50_ms: number; p95_ms: number; mean_ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { p50_ms: round(at(0.5)), p95_ms: round(at(0.95)), mean_ms: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}
