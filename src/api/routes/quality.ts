import type { FastifyInstance } from 'fastify';
import type { QualityCheck } from '../../pipeline/cleaning.js';
import { newestRuns, readRun } from '../../flows/record.js';
import type { SilverDatasetStats } from '../../pipeline/silver/index.js';
import { notFound } from '../http-errors.js';
import { lakeCall } from '../lake-call.js';
import { livePrivacy } from '../project-watch.js';
import { body, errors } from '../schemas.js';

/** The quality report of a run that cleaned silver (examples redacted for non-admins). */
export default async function qualityRoutes(app: FastifyInstance): Promise<void> {
  const { auth, config, lake } = app;
  // Personal columns as the definitions are now: marking one masks it without a restart.
  const redactor = () => livePrivacy(config.project, app.serverLog).redactor;

  app.get(
    '/api/quality',
    {
      schema: {
        summary: 'Quality report: per dataset and rule, rows checked and failed, with examples',
        description: 'Of the latest run that cleaned silver, or of the run given by `run`.',
        tags: ['runs'],
        querystring: { type: 'object', properties: { run: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,64}$' } }, additionalProperties: false },
        response: { 200: body('QualityReport'), ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const { run } = request.query as { run?: string };
      const chosen = await lakeCall(async () => {
        if (run) {
          return readRun(lake, run);
        }
        for await (const r of newestRuns(lake)) if (r.stages.some((s) => s.stage === 'silver' && s.details['quality'])) return r;
        return undefined;
      });
      if (!chosen) throw notFound(run ? `no run ${run}` : 'no quality report yet: run the pipeline (`npx datalake run`)');
      const silver = chosen.stages.find((s) => s.stage === 'silver');
      if (!silver?.details['quality']) throw notFound(`run ${chosen.runId} did not clean silver, so it has no quality report`);
      const admin = auth.isAdmin(request);
      const quality = silver.details['quality'] as QualityCheck[];
      const checks = (admin ? quality : redactor().checks(quality)).map((c) => ({ ...c, passed: c.checked - c.failed }));
      const datasets = silver.details['datasets'] as Record<string, SilverDatasetStats>;
      return {
        runId: chosen.runId,
        startedAt: chosen.startedAt,
        state: chosen.state,
        summary: { rules: checks.length, failing: checks.filter((c) => c.failed > 0).length },
        checks,
        quarantine: admin ? datasets : redactor().datasetStats(datasets),
      };
    },
  );
}
