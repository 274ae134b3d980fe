import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kpi } from '../../registry/kpi.js';
import { kpiQuerySchema, kpiRowsSchema } from '../kpi-schema.js';
import type { KpiQuery } from '../kpi-service.js';

const errorResponses = {
  400: { $ref: 'error#' },
  404: { $ref: 'error#' },
  503: { $ref: 'error#' },
};

/**
 * KPI routes, all derived from the registry: `/api/kpis` lists them, `/api/kpis/{name}` serves any of
 * them, and each KPI also answers at `/api/{id}` (the seed's URLs). A new KPI file needs no route code.
 */
export default async function kpiRoutes(app: FastifyInstance): Promise<void> {
  const { kpis } = app.ctx;

  app.get(
    '/api/kpis',
    {
      schema: {
        summary: 'List the KPIs',
        description: 'Every KPI of the registry with its description, columns and chart hint.',
        tags: ['kpis'],
        response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } } },
      },
    },
    async () =>
      kpis.kpis.map((k) => ({
        id: k.id,
        title: k.title,
        description: k.description,
        columns: Object.entries(k.columns).map(([name, c]) => ({ name, ...c })),
        chart: k.chart,
        filters: k.filters,
        endpoint: `/api/kpis/${k.id}`,
      })),
  );

  const serve = async (kpi: Kpi, request: FastifyRequest, reply: FastifyReply) => {
    const response = await kpis.respond(kpi, request.query as KpiQuery);
    reply.header('cache-control', 'no-cache');
    if (response.servedFrom === 'lake') reply.header('x-served-from', 'lake');
    if (response.etag) {
      reply.header('etag', response.etag);
      if (request.headers['if-none-match'] === response.etag) return reply.code(304).send();
    }
    if (response.contentType.startsWith('text/csv')) reply.header('content-disposition', `attachment; filename="${kpi.id}.csv"`);
    return reply.type(response.contentType).send(response.body);
  };

  app.get(
    '/api/kpis/:name',
    {
      schema: {
        summary: 'Read any KPI',
        description: 'Rows of one KPI. Dates are YYYY-MM-DD; missing values are null. Filters depend on the KPI (see /api/kpis).',
        tags: ['kpis'],
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 200 } }, required: ['name'] },
        querystring: kpiQuerySchema(undefined),
        response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } }, ...errorResponses },
      },
    },
    async (request, reply) => serve(kpis.find((request.params as { name: string }).name), request, reply),
  );

  for (const kpi of kpis.kpis) {
    app.get(
      `/api/${kpi.id}`,
      {
        schema: {
          summary: kpi.title.en,
          description: `${kpi.description} Same as /api/kpis/${kpi.id}.`,
          tags: ['kpis'],
          querystring: kpiQuerySchema(kpi),
          response: { 200: kpiRowsSchema(kpi), ...errorResponses },
        },
      },
      async (request, reply) => serve(kpi, request, reply),
    );
  }
}
