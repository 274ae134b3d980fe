import type { FastifyInstance, FastifyReply } from 'fastify';
import { FLOWS, FULL_REFRESH_FLOWS, NO_FULL_REFRESH, type FlowName } from '../../flows/definitions.js';
import { NotResumableError } from '../../flows/resume.js';
import { resumeFlow, runFlow, type FlowOptions } from '../../flows/run-flow.js';
import { LakeBusyError } from '../../flows/lock.js';
import { listRuns, readRun, type RunRecord } from '../../flows/record.js';
import { HttpError, notFound, RUN_ID } from '../http-errors.js';
import { lakeCall } from '../lake-call.js';
import { livePrivacy } from '../project-watch.js';
import { runWithoutPaths } from '../redact.js';
import { body, errors, noQuery } from '../schemas.js';

/** The run history (redacted for non-admins: records quote source text) and starting a flow. */
export default async function runRoutes(app: FastifyInstance): Promise<void> {
  const { auth, config, lake } = app;
  // Personal columns as the definitions are now: marking one masks it without a restart.
  const redactor = () => livePrivacy(config.project).redactor;

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
      return runs.map((r) => runWithoutPaths(auth.isAdmin(request) ? r : redactor().run(r)));
    },
  );

  app.post(
    '/api/runs',
    {
      onRequest: auth.requireAdmin,
      schema: {
        summary: 'Start a flow (the whole pipeline or one stage), or resume a failed or cancelled run (admin only when API_KEY is set)',
        description:
          'Returns 202 with the run id as soon as the run holds the lake; follow it at /api/runs/{id}. 409 when another run is writing the lake. ' +
          'With `resume`, the run given continues under its id from its failed task, reusing what it finished; 404 for an unknown run, ' +
          '409 (code not_resumable) when it cannot be resumed: it completed or is still running, or its inputs changed since (another run committed, a definition or a source file changed).',
        tags: ['runs'],
        // As the GET routes: a parameter in the URL is a mistake (`?flow=` instead of the body), refused.
        querystring: noQuery,
        body: {
          type: 'object',
          properties: {
            flow: { type: 'string', enum: Object.keys(FLOWS), description: 'default pipeline; with resume, the run\'s own flow (optional)' },
            full_refresh: { type: 'boolean', default: false },
            resume: { type: 'string', pattern: RUN_ID, description: 'the id of a failed or cancelled run to resume, instead of starting a new one' },
          },
          additionalProperties: false,
        },
        response: { 202: body('RunStarted'), ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const { flow = 'pipeline', full_refresh = false, resume } = (request.body ?? {}) as { flow?: FlowName; full_refresh?: boolean; resume?: string };
      if (resume !== undefined) return startResume(resume, (request.body as { flow?: FlowName } | null)?.flow, full_refresh, reply);
      // As the CLI: bronze takes every new file whatever it is given, vacuum and compact rebuild nothing.
      if (full_refresh && NO_FULL_REFRESH.includes(flow)) throw new HttpError(400, `full_refresh does not apply to ${flow}: give it with ${FULL_REFRESH_FLOWS}`);
      if (config.redisUrl) {
        // Distributed: the run waits in the queue for a worker (and for the lake) instead of being refused.
        const { submitRun } = await import('../../flows/queue/index.js');
        const runId = await submitRun(config, { flow, fullRefresh: full_refresh, trigger: 'api' }, lake);
        reply.code(202).header('location', `/api/runs/${runId}`);
        return { runId, flow, state: 'scheduled', url: `/api/runs/${runId}` };
      }
      const started = await startInProcess((onStart) => runFlow({ config, lake, flow, fullRefresh: full_refresh, trigger: 'api', onStart }));
      reply.code(202).header('location', `/api/runs/${started.runId}`);
      return { runId: started.runId, flow: started.flow, state: started.state, url: `/api/runs/${started.runId}` };
    },
  );

  /** Starts a run in this process; resolves once it holds the lake, or rejects with why it did not start. */
  async function startInProcess(start: (onStart: NonNullable<FlowOptions['onStart']>) => Promise<{ summary: RunRecord; error?: unknown }>): Promise<RunRecord> {
    return new Promise<RunRecord>((resolve, reject) => {
      let started = false;
      start((record) => {
        started = true;
        resolve(record);
      })
        .then(({ summary, error }) => {
          if (!started) reject(error ?? new Error('the run did not start'));
          else app.serverLog.info({ runId: summary.runId, state: summary.state }, 'run ended');
        })
        .catch(reject);
    }).catch((err: unknown) => {
      throw httpError(err);
    });
  }

  /** POST /api/runs with `resume`: the run continues (in this process, or queued for the workers). */
  async function startResume(runId: string, flow: FlowName | undefined, fullRefresh: boolean, reply: FastifyReply) {
    if (fullRefresh) throw new HttpError(400, 'resume continues a run with its own parameters: full_refresh cannot be given with it');
    const run = await lakeCall(() => readRun(lake, runId));
    if (run && flow !== undefined && flow !== run.flow) throw new HttpError(400, `run ${runId} is a ${run.flow} run: resume it without "flow", or with "flow": "${run.flow}"`);
    if (config.redisUrl) {
      const { submitResume } = await import('../../flows/queue/index.js');
      const queued = await submitResume(config, runId, 'api', lake).catch((err: unknown) => {
        throw httpError(err);
      });
      reply.code(202).header('location', `/api/runs/${runId}`);
      return { runId, flow: queued.flow, state: 'scheduled', url: `/api/runs/${runId}` };
    }
    const started = await startInProcess((onStart) => resumeFlow({ config, lake, resume: runId, trigger: 'api', onStart }));
    reply.code(202).header('location', `/api/runs/${runId}`);
    return { runId, flow: started.flow, state: started.state, url: `/api/runs/${runId}` };
  }

  app.get(
    '/api/runs/:id',
    { schema: { summary: 'One pipeline run', tags: ['runs'], querystring: noQuery, params: { type: 'object', properties: { id: { type: 'string', pattern: RUN_ID } }, required: ['id'] }, response: { 200: body('Run'), ...errors(400, 404, 503) } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const run = await lakeCall(() => readRun(lake, id));
      if (!run) throw notFound(`no run ${id}`);
      return runWithoutPaths(auth.isAdmin(request) ? run : redactor().run(run));
    },
  );
}

/** Why a run did not start, as the API says it: 409 for a busy lake, 404 / 409 for a resume refused. */
function httpError(err: unknown): unknown {
  if (err instanceof LakeBusyError) return new HttpError(409, err.message);
  if (err instanceof NotResumableError) return new HttpError(err.status, err.hint ? `${err.message} (${err.hint})` : err.message, {}, err.status === 404 ? 'not_found' : 'not_resumable');
  return err;
}
