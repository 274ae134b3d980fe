import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/api/server.js';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { Random } from '../src/generate/random.js';
import { runPipeline } from './support/run.js';
import { FIXED_DAY, tempConfig } from './support/env.js';

// Every GET endpoint of the OpenAPI document, called with seeded random parameters: hostile strings
// (SQL and NoSQL injection, path traversal, huge and malformed numbers and dates, control characters)
// and unknown parameters. The API must answer 2xx or a 4xx JSON error — never a 500 — and never serve
// a file from outside the lake.

const REQUESTS = Number(process.env['DATALAKE_FUZZ_REQUESTS'] ?? 3000);
const SEED = Number(process.env['DATALAKE_FUZZ_SEED'] ?? 7);

const HOSTILE = [
  '',
  ' ',
  "'",
  "' OR '1'='1",
  "France'; DROP TABLE kpi_ca_par_pays; --",
  '1; SELECT * FROM read_csv(\'/etc/passwd\')',
  '{"$gt": ""}',
  '{"$where": "sleep(1000)"}',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '/etc/passwd',
  'silver/../../../../etc/passwd',
  '\u0000',
  '%00',
  'x'.repeat(5000),
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'NaN',
  '2026-13-45',
  '2026-02-30',
  '0000-00-00',
  '28/11/2026',
  '<script>alert(1)</script>',
  '🙂',
  'null',
  'true',
  '[]',
];
const PLAUSIBLE = ['France', 'pays', 'montant', '10', '2', '2026-01-01', '2026-06-30', 'fact_achats.parquet', 'clients/data_0.parquet', 'ca_par_pays', 'distribution'];

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
}

describe(`API fuzz (${REQUESTS} requests, seed ${SEED})`, () => {
  let config: Config;
  let app: FastifyInstance;
  before(async () => {
    ({ config } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 40, achats: 400, seed: 3, asOf: FIXED_DAY });
    const { error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    app = await createApp(config);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('random and hostile parameters on every GET endpoint: 2xx or a 4xx JSON error, never a 500', async () => {
    const doc = app.swagger() as unknown as OpenApi;
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => (methods['get'] ? [{ path: p, params: methods['get'].parameters ?? [] }] : []));
    assert.ok(routes.length >= 15, `the OpenAPI document lists the GET endpoints (${routes.length})`);
    const buckets = ['sources', 'bronze', 'silver', 'gold', 'runs'];
    const r = new Random(SEED);
    const value = () => (r.next() < 0.7 ? r.pick(HOSTILE) : r.pick(PLAUSIBLE));
    const statuses: Record<number, number> = {};
    for (let i = 0; i < REQUESTS; i++) {
      const route = r.pick(routes);
      const url = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(name === 'bucket' && r.next() < 0.6 ? r.pick(buckets) : value()));
      const query = new URLSearchParams();
      for (const p of route.params.filter((x) => x.in === 'query')) if (r.next() < 0.7) query.set(p.name, value());
      if (r.next() < 0.15) query.set(r.pick(['q', 'limit', '$where', '__proto__', 'constructor', 'key[]']), value());
      const target = `${url}${query.size ? `?${query}` : ''}`;
      const res = await app.inject({ method: 'GET', url: target });
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      assert.ok(res.statusCode < 500, `GET ${target} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400) {
        const body = res.json() as { statusCode?: number; message?: string };
        assert.equal(body.statusCode, res.statusCode, `GET ${target}: a JSON error body`);
        assert.ok(typeof body.message === 'string' && body.message.length > 0, `GET ${target}: the error says what is wrong`);
      }
      assert.ok(!/root:x?:0:0/.test(res.body), `GET ${target} served /etc/passwd`);
    }
    console.log(`API fuzz: status counts ${JSON.stringify(statuses)} over ${routes.length} GET endpoints`);
    assert.ok((statuses[200] ?? 0) > REQUESTS / 20 && (statuses[400] ?? 0) > REQUESTS / 20, 'both accepted and refused requests were exercised');
  });

  test('numbers past double range are refused, not passed to the lake as Infinity (found by this fuzzer)', async () => {
    for (const url of ['/api/ca_par_pays?limit=1e309', '/api/volumes_jour?offset=1e400', '/api/kpis/ca_par_pays?limit=-1e309']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, `${url} → ${res.statusCode}: ${res.body}`);
      assert.match(res.json().message, /"(limit|offset)"/);
    }
  });

  test('numbers in other notations and days that do not exist are a 400 naming the parameter', async () => {
    for (const [url, param] of [
      ['/api/ca_par_pays?limit=0x10', 'limit'],
      ['/api/volumes_jour?offset=1e2', 'offset'],
      ['/api/volumes_jour?from=2025-02-31', 'from'],
      ['/api/kpis/volumes_jour?to=2026-13-01', 'to'],
    ] as const) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, `${url} → ${res.statusCode}: ${res.body}`);
      assert.match(res.json().message, new RegExp(`"${param}"`));
    }
    assert.equal((await app.inject({ url: '/api/volumes_jour?from=2024-02-29&limit=10' })).statusCode, 200);
  });

  test('path traversal in explorer keys never reaches outside the lake', async () => {
    for (const key of ['../../../../etc/passwd', 'gold/../../../../../etc/passwd', '/etc/passwd', '..', '.', 'a/../../b', '%2e%2e/%2e%2e/etc/passwd', 'C:\\Windows\\win.ini', 'x\u0000.parquet']) {
      for (const endpoint of ['preview', 'download']) {
        const res = await app.inject({ method: 'GET', url: `/api/lake/gold/${endpoint}?${new URLSearchParams({ key })}` });
        assert.ok(res.statusCode === 400 || res.statusCode === 404, `${endpoint} ${JSON.stringify(key)} → ${res.statusCode}`);
        assert.ok(!/root:x?:0:0|\[fonts\]/.test(res.body));
      }
    }
    for (const bucket of ['..', '.tmp', 'etc', '%2e%2e']) {
      const res = await app.inject({ method: 'GET', url: `/api/lake/${bucket}` });
      assert.ok(res.statusCode === 400 || res.statusCode === 404, `bucket ${bucket} → ${res.statusCode}`);
    }
  });

  test('bad bodies on POST /api/runs: 4xx JSON, no run started', async () => {
    const r = new Random(SEED + 1);
    const bodies = [
      '',
      'null',
      '[]',
      '"pipeline"',
      '{',
      '{"flow": 1}',
      '{"flow": "nope"}',
      '{"flow": "pipeline", "full_refresh": "yes"}',
      '{"flow": "pipeline", "extra": true}',
      JSON.stringify({ flow: 'x'.repeat(100_000) }),
      ...Array.from({ length: 30 }, () => JSON.stringify({ flow: r.pick(HOSTILE), full_refresh: r.pick([true, false, 'x', 1, null]) })),
    ];
    for (const body of bodies) {
      const res = await app.inject({ method: 'POST', url: '/api/runs', headers: { 'content-type': 'application/json' }, payload: body });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `POST ${body.slice(0, 80)} → ${res.statusCode}: ${res.body.slice(0, 200)}`);
      assert.equal((res.json() as { statusCode: number }).statusCode, res.statusCode);
    }
  });
});
