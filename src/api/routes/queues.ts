import type { FastifyPluginAsync } from 'fastify';
import { notFound } from '../http-errors.js';
import { DATALAKE } from '../../command-name.js';

export const QUEUES_PATH = '/admin/queues';

/**
 * The queue dashboard (bull-board) at /admin/queues, in distributed mode (REDIS_URL): the run queue and
 * the shard queue, their jobs, retries and failures. Admin-only when API_KEY is set: a browser is
 * asked for the key by HTTP Basic auth (any user name, the key as password); scripts send it as Bearer.
 */
const queueRoutes: FastifyPluginAsync = async (app) => {
  const { config, auth } = app;
  // Answered here rather than thrown: bull-board's routes have an error handler of their own.
  app.addHook('onRequest', async (request, reply) => {
    const denied = auth.denial(request, 'admin');
    if (!denied) return;
    // A browser is asked for the key (Basic auth) when it gave none; a reader key would only be asked again.
    if (denied.statusCode === 401) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="datalake admin", charset="UTF-8"')
        .send({ statusCode: 401, error: 'Unauthorized', message: 'the queue dashboard needs the API key: `Authorization: Bearer <API_KEY>`, or Basic auth with API_KEY as password' });
    }
    return reply.code(denied.statusCode).send({ statusCode: denied.statusCode, error: 'Forbidden', message: denied.message });
  });
  if (!config.redisUrl) {
    const off = async () => {
      throw notFound(`the queue dashboard is there in distributed mode only: set REDIS_URL and start workers (\`${DATALAKE} worker\`)`);
    };
    app.get('/', { schema: { hide: true } }, off);
    app.get('/*', { schema: { hide: true } }, off);
    return;
  }
  // Loaded in distributed mode only: BullMQ and bull-board take ~0.2 s to load, which a server without
  // Redis need not pay.
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }, { Queue }, { redisConnection, runsQueue, shardsQueue }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
    import('bullmq'),
    import('../../flows/queue/index.js'),
  ]);
  const queues = [runsQueue(config), shardsQueue(config)].map((name) => new Queue(name, { connection: redisConnection(config.redisUrl!) }));
  app.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
  const board = new FastifyAdapter();
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter: board, options: { uiConfig: { boardTitle: 'Data Lake queues' } } });
  board.setBasePath(QUEUES_PATH);
  await app.register(board.registerPlugin());
};

export default queueRoutes;
