import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/api/server.js';
import type { Config } from '../../src/config.js';

/** The API of a config on a free port of 127.0.0.1, as the tests reach it over real HTTP. */
export async function startApi(config: Config): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}
