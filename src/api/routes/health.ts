import type { FastifyInstance } from 'fastify';
import { listVersions } from '../../lake/index.js';
import { errorMessage, noLocalPaths } from '../../errors.js';
import { readFreshness, staleReasons } from '../../ops/freshness.js';
import { liveProject } from '../project-watch.js';
import { body, errors, noQuery } from '../schemas.js';
import { DATALAKE } from '../../command-name.js';

/** Health, readiness and the index of the endpoints. */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { lake, serving, config } = app;

  // 15 bytes, never compressed (no @fastify/compress hook), no query to check; answered without a promise.
  app.get('/health', { compress: false, config: { checksQuery: true }, schema: { summary: 'The process is up', tags: ['system'], querystring: noQuery, response: { 200: body('Health'), ...errors(400) } } }, () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'The serving store is reachable; time of the last publish; what is degraded', tags: ['system'], querystring: noQuery, response: { 200: body('Ready'), ...errors(400), 503: body('Ready') } } }, async (_request, reply) => {
    try {
      const last = await serving.lastPublish();
      // The lake's version: the store should show it (a store down during a commit falls behind).
      // KPIs are served from the store without it; the explorer, runs and freshness are not: said, one line.
      let lakeDown: string | undefined;
      const lakeVersion = (await listVersions(lake).catch((err: unknown) => ((lakeDown = noLocalPaths(errorMessage(err).split('\n')[0]!)), []))).at(-1) ?? null;
      const storeVersion = last?.data?.version ?? null;
      const degraded = lakeDown ? [`the lake does not answer (${lakeDown}): KPIs are served from the store, the explorer, runs and freshness are not`] : [];
      if (lakeVersion !== null && storeVersion !== lakeVersion) degraded.push(`the serving store shows version ${storeVersion ?? 'none'} while the lake is at version ${lakeVersion}: run \`${DATALAKE} publish\``);
      // Stale data is served all the same (still 200): said here, one line per dataset past its SLA.
      const project = liveProject(config.project);
      if (project.datasets.some((d) => d.freshness)) degraded.push(...staleReasons(await readFreshness(lake, project).catch(() => ({ checkedAt: '', state: 'ok' as const, datasets: [] }))));
      // The columns it recorded are the server's business (kpi-service.ts), not part of the answer.
      const { columns: _, ...published } = last ?? {};
      return { status: 'ready', serving_store: serving.description, last_publish: last ? published : null, lake_version: lakeVersion, ...(degraded.length ? { degraded } : {}) };
    } catch (err) {
      reply.header('retry-after', '5').code(503);
      return { status: 'unavailable', code: 'unavailable', serving_store: noLocalPaths(serving.description), message: noLocalPaths((err as Error).message) };
    }
  });

  app.get('/api', { schema: { summary: 'Index of the endpoints', tags: ['system'], querystring: noQuery, response: { 200: body('ApiIndex'), ...errors(400) } } }, async () => ({
    message: 'Data Lake API: KPIs from the serving store, the lake explorer and run history. Interactive docs at /docs.',
    docs: '/docs',
    openapi: '/openapi.json',
    endpoints: app.routeIndex,
  }));
}
