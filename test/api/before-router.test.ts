import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/api/server.js';
import { publishedShop, type PublishedShop } from '../support/published-shop.js';

/** Headers that say when and how the bytes travelled, not what the answer is. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request over HTTP, the path and the body as they are (fetch would decompress, URL drop a bare `?`). */
function request(base: string, path: string, method: string, headers: Record<string, string>): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (!TRANSPORT.has(k) && v !== undefined) h[k] = String(v);
        resolve({ status: res.statusCode!, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Cached KPI reads are answered before Fastify routes them (src/api/kpi-answer.ts). What they send
 * must be what the route sends: the same status, headers and bytes, for every variant a client asks.
 */
describe('cached KPI reads answered before the router', () => {
  let shop: PublishedShop;
  let app: FastifyInstance;
  let url: string;
  /** Requests that reached Fastify's routing (an onRequest hook counts them). */
  let routed = 0;

  before(async () => {
    shop = await publishedShop();
    app = await createApp(shop.config);
    app.addHook('onRequest', (_request, _reply, done) => {
      routed++;
      done();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await app.close();
    await shop.close();
  });

  /** Asks until the answer comes from before the router (the first ones fill the cache and compress). */
  async function unrouted(path: string, headers: Record<string, string>): Promise<Raw> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const before = routed;
      const r = await request(url, path, 'GET', headers);
      if (routed === before) return r;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`GET ${path} ${JSON.stringify(headers)} always went through the router`);
  }

  for (const kpi of ['ca_par_pays', 'volumes_jour']) {
    // (`kpi_<id>` is the KPI's table: the generic route finds a KPI by either.)
    for (const path of [`/api/${kpi}`, `/api/kpis/${kpi}`, `/api/kpis/kpi_${kpi}`]) {
      test(`${path}: the same status, headers and bytes as the route`, async () => {
        const etag = (await request(url, path, 'GET', {})).headers['etag'];
        assert.ok(etag, 'a cached answer has an ETag');
        for (const headers of <Record<string, string>[]>[{}, { 'accept-encoding': 'br' }, { 'accept-encoding': 'gzip, deflate' }, { 'accept-encoding': 'identity' }, { 'if-none-match': etag }, { 'if-none-match': '"stale"' }, { 'if-none-match': `W/${etag}` }, { 'if-none-match': `"stale", ${etag}` }, { 'if-none-match': '*' }, { 'accept-encoding': 'br', 'if-none-match': etag }]) {
          const fast = await unrouted(path, headers);
          const route = await app.inject({ url: path, headers });
          const routeHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(route.headers)) if (!TRANSPORT.has(k) && v !== undefined) routeHeaders[k] = String(v);
          assert.equal(fast.status, route.statusCode, `${path} ${JSON.stringify(headers)}: status`);
          assert.deepEqual(fast.headers, routeHeaders, `${path} ${JSON.stringify(headers)}: headers`);
          assert.ok(fast.body.equals(route.rawPayload), `${path} ${JSON.stringify(headers)}: body`);
          // A list or a weak form naming the ETag is a match (RFC 9110), on the route as before the router.
          if (headers['if-none-match'] && headers['if-none-match'] !== '"stale"') assert.equal(fast.status, 304, JSON.stringify(headers));
        }
      });
    }
  }

  test('a query string, HEAD, an unknown KPI or another route goes to the router', async () => {
    await unrouted('/api/ca_par_pays', {});
    for (const [method, path] of [
      ['GET', '/api/ca_par_pays?limit=2'],
      ['GET', '/api/ca_par_pays?'],
      ['HEAD', '/api/ca_par_pays'],
      ['GET', '/api/kpis/nope'],
      ['GET', '/api/kpis'],
      ['GET', '/api/ca_par_pays/'],
    ] as const) {
      const before = routed;
      const r = await request(url, path, method, {});
      assert.equal(routed, before + 1, `${method} ${path} was routed`);
      if (path === '/api/ca_par_pays?limit=2') assert.equal(JSON.parse(r.body.toString('utf8')).length, 2);
    }
  });

  test('a new publish is served as soon as the route would see it', async () => {
    const first = await unrouted('/api/resume', {});
    const version = Number(first.headers['x-data-version']);
    // Another process publishing: the store's version changes under the server.
    const { runPipeline } = await import('../support/run.js');
    const { error } = await runPipeline({ config: shop.config, fullRefresh: true });
    assert.equal(error, undefined);
    const deadline = Date.now() + 5000;
    let seen = version;
    while (seen === version && Date.now() < deadline) {
      seen = Number((await request(url, '/api/resume', 'GET', {})).headers['x-data-version']);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(seen > version, `version ${version} → ${seen} within 5 s`);
  });
});
