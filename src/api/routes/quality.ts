import type { FastifyInstance } from 'fastify';
import type { QualityCheck } from '../../pipeline/cleaning.js';
import { newestRuns, readRun } from '../../flows/record.js';
import type { ObjectStore } from '../../lake/storage.js';
import { readStates } from '../../pipeline/states.js';
import type { Project } from '../../project/types.js';
import type { SilverDatasetStats } from '../../pipeline/silver/index.js';
import { notFound, RUN_ID } from '../http-errors.js';
import { lakeCall } from '../lake-call.js';
import { livePrivacy } from '../project-watch.js';
import { body, errors } from '../schemas.js';
import { DATALAKE } from '../../command-name.js';

/** The current version and the run that last changed its silver (after a rollback, or runs that only rebuilt gold, an earlier run). */
async function dataVersion(lake: ObjectStore, project: Project): Promise<{ current: number; runId: string } | undefined> {
  const states = await readStates(lake, project);
  return states.version && states.silver?.runId ? { current: states.version.version, runId: states.silver.runId } : undefined;
}

/** The quality report of a run that cleaned silver (examples redacted for non-admins). */
export default async function qualityRoutes(app: FastifyInstance): Promise<void> {
  const { auth, config, lake } = app;
  // Personal columns as the definitions are now: marking one masks it without a restart.
  const redactor = () => livePrivacy(config.project).redactor;

  app.get(
    '/api/quality',
    {
      schema: {
        summary: 'Quality report: per dataset and rule, rows checked and failed, with examples',
        description: 'Of the run that built the current version\'s data (after a rollback, the run whose data it restores; else the latest run that cleaned silver), or of the run given by `run`.',
        tags: ['runs'],
        querystring: { type: 'object', properties: { run: { type: 'string', pattern: RUN_ID } }, additionalProperties: false },
        response: { 200: body('QualityReport'), ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const { run } = request.query as { run?: string };
      const { chosen, version } = await lakeCall(async () => {
        if (run) {
          const record = await readRun(lake, run);
          const committed = record?.stages.find((s) => s.stage === 'commit')?.details['version'];
          return { chosen: record, version: typeof committed === 'number' ? committed : undefined };
        }
        // The run that built the data the current version holds (after a rollback, the one whose data it restores), not merely the latest.
        const dataOf = await dataVersion(lake, config.project);
        const built = dataOf && (await readRun(lake, dataOf.runId));
        if (built?.stages.some((s) => s.stage === 'silver' && s.details['quality'])) return { chosen: built, version: dataOf!.current };
        for await (const r of newestRuns(lake)) if (r.stages.some((s) => s.stage === 'silver' && s.details['quality'])) return { chosen: r, version: undefined };
        return { chosen: undefined, version: undefined };
      });
      if (!chosen) throw notFound(run ? `no run ${run}` : `no quality report yet: run the pipeline (\`${DATALAKE} run\`)`);
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
        ...(version !== undefined ? { version } : {}),
        summary: { rules: checks.length, failing: checks.filter((c) => c.failed > 0).length },
        checks,
        quarantine: admin ? datasets : redactor().datasetStats(datasets),
      };
    },
  );
}
