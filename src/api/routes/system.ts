import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { sqlString as str } from '../../engine/duckdb.js';
import { submitRun } from '../../flows/distributed.js';
import { FLOWS, runFlow, type FlowName } from '../../flows/flows.js';
import { LakeBusyError } from '../../flows/lock.js';
import type { RunRecord } from '../../flows/record.js';
import { listRuns, newestRuns, runKey, type RunSummary } from '../../pipeline/run.js';
import { goldKey } from '../../pipeline/gold.js';
import type { QualityCheck } from '../../pipeline/cleaning.js';
import type { SilverDatasetStats } from '../../pipeline/silver.js';
import { HttpError, notFound, NOTHING_PUBLISHED, notPublished, unavailable } from '../http-errors.js';
import { Redactor } from '../redact.js';

/** Health, readiness, the endpoint index, run history and the serving-store vs lake read comparison. */
export default async function systemRoutes(app: FastifyInstance): Promise<void> {
  const { ctx } = app;
  // Run records and the quality report quote source text: a non-admin sees personal data redacted.
  const redactor = new Redactor(ctx.config.project);

  app.get('/health', { schema: { summary: 'The process is up', tags: ['system'] } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'The serving store is reachable; time of the last publish', tags: ['system'] } }, async (_request, reply) => {
    try {
      const last = await ctx.serving.lastPublish();
      return { status: 'ready', serving_store: ctx.serving.description, last_publish: last ?? null };
    } catch (err) {
      reply.header('retry-after', '5').code(503);
      const noPath = (text: string) => text.replace(/(?:\/[^\s'",/()]+){2,}/g, '<path>');
      return { status: 'unavailable', serving_store: noPath(ctx.serving.description), message: noPath((err as Error).message) };
    }
  });

  app.get('/api', { schema: { summary: 'Index of the endpoints', tags: ['system'] } }, async () => ({
    message: 'Data Lake API: KPIs from the serving store, the lake explorer and run history. Interactive docs at /docs.',
    docs: '/docs',
    openapi: '/openapi.json',
    endpoints: app.routeIndex,
  }));

  app.get(
    '/api/runs',
    {
      schema: {
        summary: 'Past pipeline runs, newest first',
        tags: ['runs'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }, additionalProperties: false },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      const runs = await lakeCall(() => listRuns(ctx.lake, limit));
      return ctx.auth.isAdmin(request) ? runs : runs.map((r) => redactor.run(r));
    },
  );

  app.post(
    '/api/runs',
    {
      onRequest: ctx.auth.requireAdmin,
      schema: {
        summary: 'Start a flow: the whole pipeline or one stage (admin only when API_KEY is set)',
        description:
          'Returns 202 with the run id as soon as the run holds the lake; follow it at /api/runs/{id}. 409 when another run is writing the lake.',
        tags: ['runs'],
        body: {
          type: 'object',
          properties: {
            flow: { type: 'string', enum: Object.keys(FLOWS), default: 'pipeline' },
            full_refresh: { type: 'boolean', default: false },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { flow, full_refresh } = (request.body ?? { flow: 'pipeline', full_refresh: false }) as { flow: FlowName; full_refresh: boolean };
      if (ctx.config.redisUrl) {
        // Distributed: the run waits in the queue for a worker (and for the lake) instead of being refused.
        const runId = await submitRun(ctx.config, { flow, fullRefresh: full_refresh, trigger: 'api' }, ctx.lake);
        reply.code(202).header('location', `/api/runs/${runId}`);
        return { runId, flow, state: 'scheduled', url: `/api/runs/${runId}` };
      }
      const started = await new Promise<RunRecord>((resolve, reject) => {
        runFlow({ config: ctx.config, store: ctx.lake, flow, fullRefresh: full_refresh, trigger: 'api', onStart: resolve })
          .then(({ summary, error }) => {
            if (error instanceof LakeBusyError || !summary.tasks.some((t) => t.attempts.length)) reject(error ?? new Error('the run did not start'));
            else request.log.info({ runId: summary.runId, state: summary.state }, 'run ended');
          })
          .catch(reject);
      }).catch((err: unknown) => {
        if (err instanceof LakeBusyError) throw new HttpError(409, err.message);
        throw err;
      });
      reply.code(202).header('location', `/api/runs/${started.runId}`);
      return { runId: started.runId, flow: started.flow, state: started.state, url: `/api/runs/${started.runId}` };
    },
  );

  app.get(
    '/api/runs/:id',
    { schema: { summary: 'One pipeline run', tags: ['runs'], params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,64}$' } }, required: ['id'] } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const bytes = await lakeCall(() => ctx.lake.getBytes('runs', runKey(id)));
      if (!bytes) throw notFound(`no run ${id}`);
      const run = JSON.parse(bytes.toString('utf8')) as RunSummary;
      return ctx.auth.isAdmin(request) ? run : redactor.run(run);
    },
  );

  app.get(
    '/api/quality',
    {
      schema: {
        summary: 'Quality report: per dataset and rule, rows checked and failed, with examples',
        description: 'Of the latest run that cleaned silver, or of the run given by `run`.',
        tags: ['runs'],
        querystring: { type: 'object', properties: { run: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,64}$' } }, additionalProperties: false },
      },
    },
    async (request) => {
      const { run } = request.query as { run?: string };
      const chosen = await lakeCall(async () => {
        if (run) {
          const bytes = await ctx.lake.getBytes('runs', runKey(run));
          return bytes ? (JSON.parse(bytes.toString('utf8')) as RunSummary) : undefined;
        }
        for await (const r of newestRuns(ctx.lake)) if (r.stages.some((s) => s.stage === 'silver' && s.details['quality'])) return r;
        return undefined;
      });
      if (!chosen) throw notFound(run ? `no run ${run}` : 'no quality report yet: run the pipeline (`npx datalake run`)');
      const silver = chosen.stages.find((s) => s.stage === 'silver');
      if (!silver?.details['quality']) throw notFound(`run ${chosen.runId} did not clean silver, so it has no quality report`);
      const admin = ctx.auth.isAdmin(request);
      const quality = silver.details['quality'] as QualityCheck[];
      const checks = (admin ? quality : redactor.checks(quality)).map((c) => ({ ...c, passed: c.checked - c.failed }));
      const datasets = silver.details['datasets'] as Record<string, SilverDatasetStats>;
      return {
        runId: chosen.runId,
        startedAt: chosen.startedAt,
        state: chosen.state,
        summary: { rules: checks.length, failing: checks.filter((c) => c.failed > 0).length },
        checks,
        quarantine: admin ? datasets : redactor.datasetStats(datasets),
      };
    },
  );

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
      },
    },
    async (request) => {
      const { kpi: name, n } = request.query as { kpi: string; n: number };
      const kpi = ctx.kpis.find(name);
      if ((await ctx.kpis.version()) === undefined) throw notPublished(NOTHING_PUBLISHED);
      const servingTimes: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const rows = await ctx.serving.read(kpi.table);
        servingTimes.push(performance.now() - start);
        if (!rows) throw notPublished(`KPI ${kpi.id} has not been published yet`);
      }
      const db = await ctx.db();
      const lakeTimes: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        // A full read as a client of the lake would do it: fetch the object, decode the Parquet.
        const file = await lakeCall(async () => {
          if (!(await ctx.lake.head('gold', goldKey(kpi.table)))) throw notFound(`gold has no ${goldKey(kpi.table)}: run the pipeline`);
          return ctx.lake.localPath('gold', goldKey(kpi.table), ctx.scratchDir);
        });
        await db.rows(`SELECT * FROM read_parquet(${str(file)})`);
        lakeTimes.push(performance.now() - start);
        if (file.startsWith(ctx.scratchDir)) await fs.rm(file, { force: true }); // an S3 download
      }
      return {
        kpi: kpi.id,
        n,
        serving_store: { name: ctx.serving.description, ...stats(servingTimes) },
        lake: { name: ctx.lake.description, ...stats(lakeTimes) },
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

/** Lake failures (S3 down) are the server's environment, not the client's fault: 503. */
export async function lakeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The server's own paths are no business of a client's.
    throw unavailable(`the lake is unavailable: ${(err as Error).message.replace(/(?:\/[^\s'",/]+){2,}/g, '<path>')}`);
  }
}
