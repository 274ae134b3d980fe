import type { FastifyInstance } from 'fastify';
import { body, errors, noQuery } from '../schemas.js';

/** Health, readiness and the index of the endpoints. */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { serving } = app;

  app.get('/health', { schema: { summary: 'The process is up', tags: ['system'], querystring: noQuery, response: { 200: body('Health'), ...errors(400) } } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'The serving store is reachable; time of the last publish', tags: ['system'], querystring: noQuery, response: { 200: body('Ready'), ...errors(400), 503: body('Ready') } } }, async (_request, reply) => {
    try {
      const last = await serving.lastPublish();
      return { status: 'ready', serving_store: serving.description, last_publish: last ?? null };
    } catch (err) {
      reply.header('retry-after', '5').code(503);
      const noPath = (text: string) => text.replace(/(?:\/[^\s'",/()]+){2,}/g, '<path>');
      return { status: 'unavailable', serving_store: noPath(serving.description), message: noPath((err as Error).message) };
    }
  });

  app.get('/api', { schema: { summary: 'Index of the endpoints', tags: ['system'], querystring: noQuery, response: { 200: body('ApiIndex'), ...errors(400) } } }, async () => ({
    message: 'Data Lake API: KPIs from the serving store, the lake explorer and run history. Interactive docs at /docs.',
    docs: '/docs',
    openapi: '/openapi.json',
    endpoints: app.routeIndex,
  }));
}
