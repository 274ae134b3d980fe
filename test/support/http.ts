import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

/** A server on a free port on 127.0.0.1, queried over real HTTP. */
export async function listen(app: FastifyInstance): Promise<{ url: string; get: (p: string, headers?: Record<string, string>) => Promise<Response> }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { url, get: (p, headers = {}) => fetch(url + p, { headers }) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = async (r: Response): Promise<any> => r.json();

export async function expectError(r: Response, status: number, message: RegExp) {
  assert.equal(r.status, status, `${r.url}: ${r.status}`);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const body = await json(r);
  assert.equal(body.statusCode, status);
  assert.match(body.message, message);
}
