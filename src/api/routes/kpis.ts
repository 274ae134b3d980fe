import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VERSION_HEADERS } from '../data-version.js';
import { send } from '../kpi-answer.js';
import { RESERVED_PARAMETERS } from '../../project/load.js';
import type { Kpi } from '../../project/types.js';
import { badRequest } from '../http-errors.js';
import { checkQuery } from '../query-check.js';
import { kpiQuerySchema, kpiRowsSchema } from '../kpi-schema.js';
import type { KpiQuery } from '../kpi-service.js';
import { body, errors, noQuery } from '../schemas.js';

// 409: the KPI's file declares other columns than its last publish holds (no run since it changed).
const errorResponses = errors(400, 404, 409, 503);

/** Which version of the lake a KPI answer comes from: on every answer, in the OpenAPI document too. */
const DATA_HEADERS = {
  ...VERSION_HEADERS,
  ETag: { type: 'string', description: 'a hash of the answer: sent back in If-None-Match, an unchanged answer is a 304 without a body' },
};

/** A KPI answer unchanged since the ETag the client sent in If-None-Match. */
const NOT_MODIFIED = { 304: { description: 'Not Modified: the answer is the one of the ETag sent in If-None-Match', type: 'null' } };

/**
 * KPI routes, all derived from the project's declarations: `/api/project` says what the dashboard
 * shows, `/api/kpis` lists the KPIs, `/api/kpis/{name}` serves any of them, and each KPI also answers
 * at `/api/{id}` (the seed's URLs). A new KPI file needs no route code.
 */
export default async function kpiRoutes(app: FastifyInstance): Promise<void> {
  const { kpis } = app;
  const { project } = app.config;

  app.get(
    '/api/project',
    {
      schema: {
        summary: 'The project: its title, datasets and dashboard tabs',
        description: 'What the dashboard is built from: the title, the datasets, the tabs and the KPIs each shows, and the KPIs whose cards the home page shows.',
        tags: ['kpis'],
        querystring: noQuery,
        response: { 200: body('Project'), ...errors(400) },
      },
    },
    async () => {
      const inTabs = new Set(project.tabsDeclared ? project.tabs.flatMap((t) => t.kpis) : []);
      return {
        name: project.name,
        title: project.title,
        datasets: project.datasets.map((d) => ({ name: d.name, description: d.description ?? null, key: d.key, files: d.files })),
        tabs: project.tabs,
        // One-row KPIs drawn as cards head the home page (those a declared tab does not already show; with
        // declared tabs, a KPI of cards only gets no tab of its own: load.ts).
        home: project.kpis.filter((k) => k.charts.some((c) => c.type === 'cards') && !inTabs.has(k.id)).map((k) => k.id),
      };
    },
  );

  app.get(
    '/api/kpis',
    {
      schema: {
        summary: 'List the KPIs',
        description: 'Every KPI of the project with its description, columns, charts, filters and range.',
        tags: ['kpis'],
        querystring: noQuery,
        response: { 200: { type: 'array', items: body('KpiMeta') }, ...errors(400) },
      },
    },
    async () =>
      kpis.kpis.map((k) => ({
        id: k.id,
        title: k.title,
        description: k.description,
        columns: Object.entries(k.columns).map(([name, c]) => ({ name, ...c })),
        chart: k.charts[0],
        charts: k.charts,
        filters: k.filters,
        range: k.range ?? null,
        endpoint: `/api/kpis/${k.id}`,
      })),
  );

  /**
   * Answers a KPI read. Synchronous when the answer is cached and the store's version fresh (most
   * reads): the body, its headers and its compressed forms are computed once per cached answer.
   */
  const serve = (kpi: Kpi, request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined => {
    const invalid = checkQuery(request);
    if (invalid) throw invalid;
    const query = request.query as KpiQuery;
    // The generic route accepts every KPI's filters; this KPI takes only its own.
    for (const param of Object.keys(query)) {
      if (!RESERVED_PARAMETERS.includes(param) && !(param in kpi.filters)) throw badRequest(`parameter "${param}" is not supported by KPI ${kpi.id}`);
    }
    const cached = kpis.cachedAnswer(kpi, query);
    if (cached) return send(kpi, cached, request, reply);
    return kpis.respond(kpi, query).then((response) => send(kpi, response, request, reply));
  };

  app.get(
    '/api/kpis/:name',
    {
      // Compressed here, from the cached answer (see send), rather than by @fastify/compress on each
      // request; the query checked in serve rather than by a hook.
      compress: false,
      config: { checksQuery: true },
      schema: {
        summary: 'Read any KPI',
        description:
          'Rows of one KPI. Dates are YYYY-MM-DD; missing values are null. Filters depend on the KPI (see /api/kpis). The X-Data-Version, X-Data-Committed-At and X-Data-Audit headers say which version of the lake the rows come from; `version` reads another one.',
        tags: ['kpis'],
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 200 } }, required: ['name'] },
        querystring: kpiQuerySchema(undefined, kpis.kpis),
        response: { 200: { type: 'array', items: body('KpiRow'), headers: DATA_HEADERS }, ...NOT_MODIFIED, ...errorResponses },
      },
    },
    (request, reply) => serve(kpis.find((request.params as { name: string }).name), request, reply),
  );

  for (const kpi of kpis.kpis) {
    app.get(
      `/api/${kpi.id}`,
      {
        compress: false,
        config: { checksQuery: true },
        schema: {
          summary: kpi.title.en,
          description: `${kpi.description} Same as /api/kpis/${kpi.id}.`,
          tags: ['kpis'],
          querystring: kpiQuerySchema(kpi),
          response: { 200: { ...kpiRowsSchema(kpi), headers: DATA_HEADERS }, ...NOT_MODIFIED, ...errorResponses },
        },
      },
      (request, reply) => serve(kpi, request, reply),
    );
  }
}
