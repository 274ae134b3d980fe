import type { FastifyInstance } from 'fastify';
import { readFreshness, type DatasetFreshness } from '../../ops/freshness.js';
import { formatDuration } from '../../duration.js';
import { lakeCall } from '../lake-call.js';
import { liveProject } from '../project-watch.js';
import { body, errors, noQuery } from '../schemas.js';

/** A dataset's freshness as the API says it (snake_case, its SLA as declared and in seconds). */
export function freshnessBody(d: DatasetFreshness) {
  return {
    dataset: d.dataset,
    state: d.state,
    age_seconds: d.ageSeconds,
    last_ingested_at: d.lastIngestedAt,
    last_file: d.lastFile,
    ...(d.warnAfter !== undefined ? { warn_after: formatDuration(d.warnAfter), warn_after_seconds: d.warnAfter } : {}),
    ...(d.errorAfter !== undefined ? { error_after: formatDuration(d.errorAfter), error_after_seconds: d.errorAfter } : {}),
  };
}

/** Each dataset's age against its freshness SLA (datasets/<name>.yml `freshness`). */
export default async function freshnessRoutes(app: FastifyInstance): Promise<void> {
  const { lake, config } = app;
  app.get(
    '/api/freshness',
    {
      schema: {
        summary: "Each dataset's age and freshness state",
        description:
          "For each dataset: the time since its newest file was ingested (bronze, the current version, which `version` names), and its state against the `freshness` its definition declares: ok, warn (older than warn_after), error (older than error_after), unknown (no file yet) or no_sla.",
        tags: ['system'],
        querystring: noQuery,
        response: { 200: body('Freshness'), ...errors(400, 503) },
      },
    },
    async () => {
      // The SLAs as the definitions say now: an edit is followed without a restart.
      const report = await lakeCall(() => readFreshness(lake, liveProject(config.project)));
      return { checked_at: report.checkedAt, version: report.version ?? null, state: report.state, datasets: report.datasets.map(freshnessBody) };
    },
  );
}
