import type { FastifyInstance } from 'fastify';
import { FLOWS, type FlowName } from '../../flows/definitions.js';
import { submitRun } from '../../flows/queue/index.js';
import { runFlow } from '../../flows/run-flow.js';
import { LakeBusyError } from '../../flows/lock.js';
import { listRuns, readRun, type RunRecord } from '../../flows/record.js';
import { HttpError, notFound } from '../http-errors.js';
import { lakeCall } from '../lake-call.js';
import { Redactor } from '../redact.js';
import { body, errors } from '../schemas.js';

/** The run history (redacted for non-admins: records quote source text) and starting a flow. */
export default async function runRoutes(app: FastifyInstance): Promise<void> {
  const { auth, config, lake } = app;
  const redactor = new Redactor(config.project);

  app.get(
    '/api/runs',
    {
      schema: {
        summary: 'Past pipeline runs, newest first',
        tags: ['runs'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }, additionalProperties: false },
        response: { 200: { type: 'array', items: body('Run') }, ...errors(400, 503) },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      const runs = await lakeCall(() => listRuns(lake, limit));
      return auth.isAdmin(request) ? runs : runs.map((r) => redactor.run(r));
    },
  );

  app.post(
    '/api/runs',
    {
      onRequest: auth.requireAdmin,
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
        response: { 202: body('RunStarted'), ...errors(400, 401, 403, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const { flow, full_refresh } = (request.body ?? { flow: 'pipeline', full_refresh: false }) as { flow: FlowName; full_refresh: boolean };
      if (config.redisUrl) {
        // Distributed: the run waits in the queue for a worker (and for the lake) instead of being refused.
        const runId = await submitRun(config, { flow, fullRefresh: full_refresh, trigger: 'api' }, lake);
        reply.code(202).header('location', `/api/runs/${runId}`);
        return { runId, flow, state: 'scheduled', url: `/api/runs/${runId}` };
      }
      const started = await new Promise<RunRecord>((resolve, reject) => {
        runFlow({ config: config, lake: lake, flow, fullRefresh: full_refresh, trigger: 'api', onStart: resolve })
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
    { schema: { summary: 'One pipeline run', tags: ['runs'], params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,64}$' } }, required: ['id'] }, response: { 200: body('Run'), ...errors(400, 404, 503) } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const run = await lakeCall(() => readRun(lake, id));
      if (!run) throw notFound(`no run ${id}`);
      return auth.isAdmin(request) ? run : redactor.run(run);
    },
  );
}
