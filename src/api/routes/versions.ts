import type { FastifyInstance } from 'fastify';
import { lakeHistory } from '../../pipeline/history.js';
import { lakeCall } from '../lake-call.js';
import { body, errors } from '../schemas.js';

/** The lake's versions: what `?version=N` can read, and the run that committed each. */
export default async function versionRoutes(app: FastifyInstance): Promise<void> {
  const { lake } = app;
  app.get(
    '/api/versions',
    {
      schema: {
        summary: "The lake's versions, newest first",
        description: 'Each with the run that committed it, its commit time, its audit status and the tables it changed (rows before and after). Any of them can be read with `?version=N` on a KPI.',
        tags: ['kpis'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }, additionalProperties: false },
        response: { 200: { type: 'array', items: body('Version') }, ...errors(400, 503) },
      },
    },
    async (request) => lakeCall(() => lakeHistory(lake, (request.query as { limit: number }).limit)),
  );
}
