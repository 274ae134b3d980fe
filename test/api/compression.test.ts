import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { acceptedEncoding, COMPRESS_THRESHOLD } from '../../src/api/compression.js';
import { createApp } from '../../src/api/server.js';
import { publishedShop, type PublishedShop } from '../support/published-shop.js';

const decode = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync } as const;

/** JSON of 1 KiB and more comes compressed to a client that accepts it, and is the same once decompressed. */
describe('API compression', () => {
  let shop: PublishedShop;
  let app: FastifyInstance;
  before(async () => {
    shop = await publishedShop();
    app = await createApp(shop.config);
    // An answer that is already encoded, as the dashboard's precompressed files are: left as it is.
    app.get('/test/encoded', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/json; charset=utf-8').header('content-encoding', 'gzip').send(zlib.gzipSync(JSON.stringify({ x: 'y'.repeat(5000) }))),
    );
  });
  after(async () => {
    await app.close();
    await shop.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });

  for (const url of ['/api/volumes_jour', '/api/kpis/volumes_jour', '/api/kpis', '/openapi.json']) {
    test(`${url}: br or gzip as accepted, identical once decompressed; identity otherwise`, async () => {
      const plain = await get(url);
      assert.equal(plain.statusCode, 200);
      assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
      assert.ok(plain.rawPayload.length >= COMPRESS_THRESHOLD, `${url} is above the threshold (${plain.rawPayload.length} bytes)`);
      for (const [accept, encoding] of [
        ['br', 'br'],
        ['gzip', 'gzip'],
        ['gzip, deflate, br', 'br'],
        ['br;q=0, gzip', 'gzip'],
        ['*', '*'],
      ] as const) {
        const r = await get(url, { 'accept-encoding': accept });
        assert.equal(r.statusCode, 200);
        if (encoding === '*') assert.match(String(r.headers['content-encoding']), /^(br|gzip)$/);
        else assert.equal(r.headers['content-encoding'], encoding, `Accept-Encoding: ${accept}`);
        const used = r.headers['content-encoding'] as 'br' | 'gzip';
        assert.match(String(r.headers['vary']), /accept-encoding/i);
        assert.match(String(r.headers['content-type']), /^application\/json/);
        // Large answers of other routes are streamed by @fastify/compress (chunked, no length).
        if (r.headers['content-length'] !== undefined) assert.equal(Number(r.headers['content-length']), r.rawPayload.length);
        assert.ok(r.rawPayload.length < plain.rawPayload.length / 2, `${used} is smaller (${r.rawPayload.length} < ${plain.rawPayload.length})`);
        assert.equal(decode[used](r.rawPayload).toString('utf8'), plain.payload, `${url} ${used} decompresses to the same JSON`);
      }
      for (const accept of ['identity', 'deflate', 'br;q=0, gzip;q=0']) {
        const r = await get(url, { 'accept-encoding': accept });
        assert.equal(r.headers['content-encoding'], undefined, `Accept-Encoding: ${accept}`);
        assert.equal(r.payload, plain.payload);
      }
    });
  }

  test('the KPI headers are the same compressed or not; a 304 still answers the ETag', async () => {
    const plain = await get('/api/volumes_jour');
    const br = await get('/api/volumes_jour', { 'accept-encoding': 'br' });
    for (const h of ['etag', 'x-data-version', 'x-data-committed-at', 'x-data-audit', 'cache-control', 'vary', 'content-security-policy', 'x-content-type-options']) {
      assert.equal(br.headers[h], plain.headers[h], h);
    }
    assert.ok(plain.headers['etag']);
    const notModified = await get('/api/volumes_jour', { 'accept-encoding': 'br', 'if-none-match': String(plain.headers['etag']) });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.rawPayload.length, 0);
  });

  test('small answers and other types stay identity', async () => {
    for (const url of ['/health', '/api/ca_par_pays', '/api/nope', '/api/volumes_jour?limit=3', '/api/volumes_jour?format=csv']) {
      const r = await get(url, { 'accept-encoding': 'br, gzip' });
      assert.equal(r.headers['content-encoding'], undefined, url);
      if (r.headers['content-type']?.toString().startsWith('application/json')) assert.ok(r.rawPayload.length < COMPRESS_THRESHOLD, `${url}: ${r.rawPayload.length} bytes`);
    }
  });

  test('an answer already encoded is not compressed again', async () => {
    const r = await get('/test/encoded', { 'accept-encoding': 'br, gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(zlib.gunzipSync(r.rawPayload).toString('utf8')).x.length, 5000);
  });

  test('over real HTTP (fetch decompresses): the same rows', async () => {
    const viaFetch = await shop.get('/api/volumes_jour');
    assert.match(viaFetch.headers.get('content-encoding') ?? '', /^(br|gzip)$/, 'fetch accepts gzip');
    assert.deepEqual(await viaFetch.json(), JSON.parse((await get('/api/volumes_jour')).payload));
  });

  test('Accept-Encoding negotiation', () => {
    assert.equal(acceptedEncoding(undefined), undefined);
    assert.equal(acceptedEncoding(''), undefined);
    assert.equal(acceptedEncoding('gzip'), 'gzip');
    assert.equal(acceptedEncoding('GZIP;q=0.5, BR;q=0.1'), 'br');
    assert.equal(acceptedEncoding('br;q=0'), undefined);
    assert.equal(acceptedEncoding('*;q=0, gzip'), 'gzip');
    assert.equal(acceptedEncoding('*, br;q=0'), 'gzip');
    assert.equal(acceptedEncoding('x-gzip'), 'gzip');
    assert.equal(acceptedEncoding('deflate, identity'), undefined);
  });
});
