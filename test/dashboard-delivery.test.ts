import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_DIR } from '../src/api/app.js';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { startApi } from './support/api.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { runPipeline } from './support/run.js';

// How the built dashboard (npm run build) is sent: compressed at build time, hashed files cached for good,
// index.html revalidated, and a small entry script (each tab and ECharts are chunks of their own).

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as sent (not decompressed: fetch would decompress them). */
  body: Buffer;
}

function request(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The entry script before the split: ECharts and every tab in one file of 613,636 bytes. */
const ENTRY_LIMIT = 250 * 1024;

describe('dashboard delivery: precompressed, cached by hash, split into chunks', () => {
  let config: Config;
  let server: { app: FastifyInstance; url: string };
  let html: string;
  let entry: string;

  before(async () => {
    assert.ok(existsSync(DASHBOARD_DIR), 'the dashboard is built (npm run build)');
    ({ config } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 30, achats: 300, seed: 3, asOf: FIXED_DAY });
    assert.equal((await runPipeline({ config })).error, undefined);
    server = await startApi(config);
    const index = await request(`${server.url}/`);
    assert.equal(index.status, 200);
    html = index.body.toString('utf8');
    entry = /<script type="module"[^>]* src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1] ?? assert.fail(`no entry script in ${html}`);
  });
  after(async () => {
    await server?.app.close();
    if (config) await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('index.html is revalidated on every load (no-cache, then a 304 while unchanged), and sent compressed', async () => {
    for (const p of ['/', '/index.html']) {
      const plain = await request(server.url + p);
      assert.equal(plain.status, 200, p);
      assert.equal(plain.headers['cache-control'], 'no-cache', p);
      assert.match(String(plain.headers['content-type']), /^text\/html/, p);
      assert.equal(plain.headers['content-encoding'], undefined, p);
      assert.match(String(plain.headers['content-security-policy']), /script-src 'self'/, `${p}: the strict CSP stays`);
      const br = await request(server.url + p, { 'accept-encoding': 'br' });
      assert.equal(br.headers['content-encoding'], 'br', p);
      assert.equal(br.headers['cache-control'], 'no-cache', p);
      assert.deepEqual(brotliDecompressSync(br.body), plain.body, p);
      const etag = String(plain.headers['etag']);
      assert.equal((await request(server.url + p, { 'if-none-match': etag })).status, 304, p);
    }
  });

  for (const [encoding, decode] of [
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const) {
    test(`hashed assets: cached for a year as immutable, ${encoding} to a client that accepts it, the same bytes once decoded`, async () => {
      const css = /href="\.\/(assets\/[^"]+\.css)"/.exec(html)?.[1] ?? assert.fail('no stylesheet');
      for (const asset of [entry, css]) {
        const url = `${server.url}/${asset}`;
        const plain = await request(url);
        assert.equal(plain.status, 200, asset);
        assert.equal(plain.headers['content-encoding'], undefined, `${asset}: identity without accept-encoding`);
        assert.equal(plain.headers['cache-control'], IMMUTABLE, asset);
        const packed = await request(url, { 'accept-encoding': encoding });
        assert.equal(packed.status, 200, asset);
        assert.equal(packed.headers['content-encoding'], encoding, asset);
        assert.equal(packed.headers['cache-control'], IMMUTABLE, asset);
        assert.match(String(packed.headers['vary']), /accept-encoding/i, `${asset}: caches keep one copy per encoding`);
        assert.match(String(packed.headers['content-type']), asset.endsWith('.css') ? /^text\/css/ : /javascript/, asset);
        assert.ok(packed.body.length < plain.body.length / 2, `${asset}: ${packed.body.length} bytes in ${encoding} for ${plain.body.length}`);
        assert.deepEqual(decode(packed.body), plain.body, asset);
        // Accepting both, the smaller brotli is sent; an encoding the server does not offer gets the file as it is.
        assert.equal((await request(url, { 'accept-encoding': 'gzip, deflate, br' })).headers['content-encoding'], 'br', asset);
        const other = await request(url, { 'accept-encoding': 'compress' });
        assert.equal(other.headers['content-encoding'], undefined, asset);
        assert.deepEqual(other.body, plain.body, asset);
      }
    });
  }

  test('the build wrote a .br and a .gz next to each script, stylesheet and index.html', async () => {
    const files = [...(await fs.readdir(DASHBOARD_DIR)), ...(await fs.readdir(path.join(DASHBOARD_DIR, 'assets'))).map((f) => `assets/${f}`)];
    const text = files.filter((f) => /\.(html|js|css)$/.test(f));
    assert.ok(text.length >= 4, text.join(', '));
    for (const f of text) for (const ext of ['.br', '.gz']) assert.ok(files.includes(f + ext), `${f}${ext}`);
  });

  test('a small entry script: each tab and ECharts are chunks of their own, fetched when needed', async () => {
    const code = (await request(`${server.url}/${entry}`)).body;
    assert.ok(code.length < ENTRY_LIMIT, `entry ${entry}: ${code.length} bytes (limit ${ENTRY_LIMIT})`);
    const source = code.toString('utf8');
    // ECharts' own code (its DOM attribute, zrender) is not in the entry, which imports it by name.
    assert.doesNotMatch(source, /_echarts_instance_|zrender/);
    const chunk = (name: string) => new RegExp(`\\./(${name}-[\\w-]+\\.js)`).exec(source)?.[1] ?? assert.fail(`the entry imports no ${name} chunk`);
    const echarts = await request(`${server.url}/assets/${chunk('echarts')}`, { 'accept-encoding': 'br' });
    assert.equal(echarts.status, 200);
    assert.equal(echarts.headers['content-encoding'], 'br');
    const echartsCode = brotliDecompressSync(echarts.body);
    assert.ok(echartsCode.length > 300 * 1024, `ECharts chunk: ${echartsCode.length} bytes`);
    assert.match(echartsCode.toString('utf8'), /_echarts_instance_/);
    for (const tab of ['accueil', 'kpi-tab', 'qualite', 'explorateur', 'runs']) {
      const r = await request(`${server.url}/assets/${chunk(tab)}`);
      assert.equal(r.status, 200, tab);
      assert.ok(r.body.length < 50 * 1024, `${tab}: ${r.body.length} bytes`);
      assert.doesNotMatch(r.body.toString('utf8'), /_echarts_instance_/, `${tab} does not carry ECharts`);
    }
    // The first paint needs nothing but index.html, the entry and the stylesheet.
    assert.deepEqual(html.match(/<script\b/g), ['<script']);
  });

  test('an unknown asset is a 404, not index.html', async () => {
    const r = await request(`${server.url}/assets/nope-12345678.js`, { 'accept-encoding': 'br' });
    assert.equal(r.status, 404);
  });
});
