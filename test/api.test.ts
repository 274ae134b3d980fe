import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/api/app.js';
import { ApiAuth } from '../src/api/auth.js';
import { ApiContext } from '../src/api/context.js';
import { KpiService, VERSION_TTL_MS } from '../src/api/kpi-service.js';
import { lakeReader } from '../src/api/lake-fallback.js';
import { createApp } from '../src/api/server.js';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { openObjectStore } from '../src/lake/index.js';
import { runPipeline } from './support/run.js';
import { openServingStore, type ServingStore } from '../src/serving/index.js';
import { SqliteServingStore } from '../src/serving/sqlite.js';
import { FIXED_DAY, tempConfig } from './support/env.js';

/** A server on a free port on 127.0.0.1, queried over real HTTP. */
async function listen(app: FastifyInstance): Promise<{ url: string; get: (p: string, headers?: Record<string, string>) => Promise<Response> }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { url, get: (p, headers = {}) => fetch(url + p, { headers }) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (r: Response): Promise<any> => r.json();

async function expectError(r: Response, status: number, message: RegExp) {
  assert.equal(r.status, status, `${r.url}: ${r.status}`);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const body = await json(r);
  assert.equal(body.statusCode, status);
  assert.match(body.message, message);
}

describe('API on a published lake', () => {
  let config: Config;
  let app: FastifyInstance;
  let get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  let serving: ServingStore;

  before(async () => {
    ({ config } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 200, achats: 5000, seed: 9, asOf: FIXED_DAY });
    // One malformed line: its raw text (personal data included) lands in the quarantine.
    await fs.appendFile(path.join(config.sourcesDir, 'clients.csv'), '999,Eve Secret,eve@secret.org,2025-01-01,France,extra\n');
    const { error } = await runPipeline({ config });
    assert.equal(error, undefined);
    app = await createApp(config);
    ({ get } = await listen(app));
    serving = openServingStore(config);
  });
  after(async () => {
    await app.close();
    await serving.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('GET /health and /ready', async () => {
    assert.deepEqual(await json(await get('/health')), { status: 'ok' });
    const ready = await json(await get('/ready'));
    assert.equal(ready.status, 'ready');
    assert.ok(ready.last_publish.publishedAt);
    assert.equal(ready.last_publish.tables.kpi_ca_par_pays, 9);
  });

  test('GET /api indexes the endpoints; /openapi.json and /docs document them', async () => {
    const index = await json(await get('/api'));
    const paths = index.endpoints.map((e: { path: string }) => e.path);
    for (const p of ['/api/kpis', '/api/kpis/:name', '/api/ca_par_pays', '/api/volumes_jour', '/api/volumes_semaine', '/api/volumes_mois', '/api/croissance', '/api/distribution', '/api/compare', '/api/runs', '/api/lake', '/health', '/ready']) {
      assert.ok(paths.includes(p), p);
    }
    const spec = await json(await get('/openapi.json'));
    assert.equal(spec.openapi.slice(0, 2), '3.');
    const ca = spec.paths['/api/ca_par_pays'].get;
    assert.deepEqual(Object.keys(ca.responses['200'].content['application/json'].schema.items.properties), ['pays', 'nb_achats', 'ca_total', 'panier_moyen']);
    assert.ok(ca.parameters.some((p: { name: string }) => p.name === 'pays'));
    const docs = await get('/docs');
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
  });

  test("the seed's endpoints return the published rows with the seed's field names", async () => {
    const kpis = config.project.kpis;
    for (const kpi of kpis) {
      const r = await get(`/api/${kpi.id}`);
      assert.equal(r.status, 200, kpi.id);
      const rows = await json(r);
      assert.deepEqual(await serving.read(kpi.table), rows, kpi.id);
      assert.deepEqual(Object.keys(rows[0]), Object.keys(kpi.columns), kpi.id);
      assert.deepEqual(await json(await get(`/api/kpis/${kpi.id}`)), rows, `${kpi.id} generic`);
    }
    const jours = await json(await get('/api/volumes_jour'));
    assert.match(jours[0].jour, /^\d{4}-\d{2}-\d{2}$/);
    const croissance = await json(await get('/api/croissance'));
    assert.equal(croissance[0].croissance_pct, null);
  });

  test('GET /api/kpis lists every KPI with its description and columns', async () => {
    const list = await json(await get('/api/kpis'));
    assert.equal(list.length, 9);
    const ca = list.find((k: { id: string }) => k.id === 'ca_par_pays');
    assert.match(ca.description, /country/);
    assert.deepEqual(ca.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`), ['pays:string', 'nb_achats:integer', 'ca_total:number', 'panier_moyen:number']);
    assert.equal(ca.endpoint, '/api/kpis/ca_par_pays');
    assert.deepEqual(ca.filters, { pays: 'pays' });
    assert.deepEqual(ca.charts.map((c: { type: string }) => c.type), ['bar', 'pie']);
    assert.equal(list.find((k: { id: string }) => k.id === 'volumes_mois').range, 'mois');
  });

  test('GET /api/project: the title, the datasets and the dashboard tabs of the project', async () => {
    const project = await json(await get('/api/project'));
    assert.equal(project.name, 'shop');
    assert.deepEqual(project.datasets.map((d: { name: string }) => d.name), ['clients', 'achats']);
    assert.deepEqual(project.tabs.map((t: { id: string }) => t.id), ['ca-pays', 'volumes', 'croissance', 'distribution']);
    assert.deepEqual(project.tabs[1].kpis, ['volumes_jour', 'volumes_semaine', 'volumes_mois', 'volumes_annee']);
    assert.deepEqual(project.home, ['resume']);
  });

  test('filters: from/to on time series, pays on countries, limit/offset, csv', async () => {
    const all = await json(await get('/api/volumes_jour'));
    const some = await json(await get('/api/volumes_jour?from=2026-03-01&to=2026-03-10'));
    assert.deepEqual(some, all.filter((r: { jour: string }) => r.jour >= '2026-03-01' && r.jour <= '2026-03-10'));
    assert.equal(some.length, 10);
    const march = await json(await get('/api/volumes_jour?from=2026-03&to=2026-03'));
    assert.equal(march.length, 31);
    const months = await json(await get('/api/volumes_mois?from=2026-02-15&to=2026-04'));
    assert.deepEqual(months.map((m: { mois: string }) => m.mois), ['2026-02', '2026-03', '2026-04']);
    // A day range on a yearly KPI: bounds are cut to the values' length (a year).
    const years = await json(await get('/api/volumes_annee?from=2026-03-01&to=2026-03-10'));
    assert.deepEqual(years.map((y: { annee: string }) => y.annee), ['2026']);
    const weeks = await json(await get('/api/volumes_semaine?from=2026-03-01&to=2026-03-31'));
    assert.ok(weeks.every((w: { debut_semaine: string }) => w.debut_semaine >= '2026-03-01' && w.debut_semaine <= '2026-03-31'));
    const france = await json(await get('/api/ca_par_pays?pays=France'));
    assert.deepEqual(france, (await json(await get('/api/ca_par_pays'))).filter((r: { pays: string }) => r.pays === 'France'));
    const page = await json(await get('/api/volumes_jour?limit=5&offset=10'));
    assert.deepEqual(page, all.slice(10, 15));
    const csv = await get('/api/kpis/ca_par_pays?format=csv');
    assert.match(csv.headers.get('content-type')!, /^text\/csv/);
    assert.match(csv.headers.get('content-disposition')!, /ca_par_pays\.csv/);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines[0], 'pays,nb_achats,ca_total,panier_moyen');
    assert.equal(lines.length, 10);
  });

  test('bad parameters are 400 JSON naming the parameter', async () => {
    await expectError(await get('/api/volumes_jour?from=yesterday'), 400, /query parameter "from"/);
    await expectError(await get('/api/volumes_jour?from=2026-13-01'), 400, /"from"/);
    await expectError(await get('/api/volumes_jour?from=2026-05-01&to=2026-04-01'), 400, /"from" \(2026-05-01\) is after "to" \(2026-04-01\)/);
    await expectError(await get('/api/volumes_jour?limit=0'), 400, /"limit"/);
    await expectError(await get('/api/volumes_jour?limit=abc'), 400, /"limit"/);
    await expectError(await get('/api/volumes_jour?offset=-1'), 400, /"offset"/);
    await expectError(await get('/api/volumes_jour?format=xml'), 400, /"format"/);
    await expectError(await get('/api/volumes_jour?colour=red'), 400, /unknown query parameter "colour"/);
    await expectError(await get('/api/ca_par_pays?from=2026-01-01'), 400, /unknown query parameter "from"/);
    await expectError(await get('/api/kpis/ca_par_pays?from=2026-01-01'), 400, /not supported by KPI ca_par_pays/);
    await expectError(await get('/api/kpis/volumes_jour?pays=France'), 400, /"pays" is not supported by KPI volumes_jour/);
    await expectError(await get(`/api/ca_par_pays?pays=${'x'.repeat(500)}`), 400, /"pays"/);
    // Values are bound parameters, never SQL text.
    const injection = await get("/api/ca_par_pays?pays=France'%20OR%20'1'='1");
    assert.equal(injection.status, 200);
    assert.deepEqual(await json(injection), []);
  });

  test('the OpenAPI document names every operation and says which take a key', async () => {
    const doc = await json(await get('/openapi.json'));
    const ops = Object.entries(doc.paths as Record<string, Record<string, { operationId?: string; security?: unknown[] }>>).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ p, m, op })));
    const ids = ops.map((o) => o.op.operationId);
    assert.ok(ids.every(Boolean), 'every operation has an operationId');
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    assert.equal(ops.find((o) => o.p === '/api/kpis/{name}')!.op.operationId, 'getApiKpisByName');
    assert.deepEqual(ops.find((o) => o.p === '/api/lake/{bucket}/preview')!.op.security, [{ bearer: [] }]);
    assert.deepEqual(ops.find((o) => o.p === '/api/runs' && o.m === 'post')!.op.security, [{ bearer: [] }]);
    assert.deepEqual(ops.find((o) => o.p === '/api/ca_par_pays')!.op.security, []);
    assert.deepEqual(doc.servers, [{ url: '/', description: 'this server' }]);
  });

  test('every error body carries a stable code', async () => {
    const codes = async (p: string) => (await json(await get(p))).code;
    assert.equal(await codes('/api/volumes_jour?from=yesterday'), 'bad_parameter');
    assert.equal(await codes('/api/volumes_jour?bogus=1'), 'bad_parameter');
    assert.equal(await codes('/api/kpis/nope'), 'unknown_kpi');
    assert.equal(await codes('/api/nope/nope'), 'not_found');
    const openapi = await json(await get('/openapi.json'));
    assert.match(JSON.stringify(openapi), /not_published/, 'the codes are documented');
  });

  test('unknown KPI and unknown route are 404 JSON', async () => {
    await expectError(await get('/api/kpis/chiffre_magique'), 404, /unknown KPI "chiffre_magique": known KPIs are ca_par_pays/);
    await expectError(await get('/api/nothing/here'), 404, /no route GET \/api\/nothing\/here/);
  });

  test('ETag and If-None-Match: 304 until a new publish, also one made by another process', async () => {
    const first = await get('/api/ca_par_pays');
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[^"]+"$/);
    const again = await get('/api/ca_par_pays', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    assert.notEqual((await get('/api/ca_par_pays?pays=France')).headers.get('etag'), etag, 'each query has its own tag');

    // Another writer (its own connection) publishes a different set; the server must notice at once.
    const other = new SqliteServingStore(config.servingDbPath);
    const columns = [{ name: 'pays', type: 'string' as const }, { name: 'nb_achats', type: 'integer' as const }, { name: 'ca_total', type: 'number' as const }, { name: 'panier_moyen', type: 'number' as const }];
    await other.publish('other-process', [{ table: 'kpi_ca_par_pays', columns, rows: [{ pays: 'Mars', nb_achats: 1, ca_total: 2, panier_moyen: 2 }] }]);
    await other.close();
    await new Promise((r) => setTimeout(r, VERSION_TTL_MS + 20)); // the server re-reads the version at most this often
    const after = await get('/api/ca_par_pays', { 'if-none-match': etag });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.get('etag'), etag);
    assert.deepEqual(await json(after), [{ pays: 'Mars', nb_achats: 1, ca_total: 2, panier_moyen: 2 }]);
    await expectError(await get('/api/volumes_jour'), 404, /KPI volumes_jour has not been published yet/);

    const { error } = await runPipeline({ config, stages: ['publish'] });
    assert.equal(error, undefined);
    await new Promise((r) => setTimeout(r, VERSION_TTL_MS + 20));
    assert.equal((await json(await get('/api/ca_par_pays'))).length, 9);
  });

  test('GET /api/compare times the serving store against the lake', async () => {
    const r = await json(await get('/api/compare?kpi=ca_par_pays&n=5'));
    assert.equal(r.kpi, 'ca_par_pays');
    assert.equal(r.n, 5);
    for (const side of [r.serving_store, r.lake]) {
      for (const f of ['p50_ms', 'p95_ms', 'mean_ms']) assert.ok(typeof side[f] === 'number' && side[f] > 0, f);
      assert.ok(side.p50_ms <= side.p95_ms);
    }
    assert.match(r.serving_store.name, /^sqlite /);
    assert.match(r.lake.name, /^folder /);
    await expectError(await get('/api/compare'), 400, /missing query parameter "kpi"/);
    await expectError(await get('/api/compare?kpi=ca_par_pays&n=100000'), 400, /"n"/);
    await expectError(await get('/api/compare?kpi=nope'), 404, /unknown KPI "nope"/);
  });

  test('lake explorer: buckets, objects, preview, filter, download; personal data masked', async () => {
    const lake = await json(await get('/api/lake'));
    assert.deepEqual(lake.buckets.map((b: { name: string }) => b.name), ['sources', 'bronze', 'silver', 'gold', 'runs']);
    const gold = await json(await get('/api/lake/gold'));
    const goldKeys = gold.objects.map((o: { key: string }) => o.key) as string[];
    const factKeys = goldKeys.filter((k) => k.startsWith('fact_achats/'));
    assert.equal(goldKeys.length - factKeys.length, 12);
    assert.ok(factKeys.length > 1 && factKeys.every((k) => /^fact_achats\/month=\d{4}-\d{2}\.parquet$/.test(k)), factKeys.join());
    assert.ok(gold.objects.every((o: { size: number; modified: string }) => o.size > 0 && !Number.isNaN(Date.parse(o.modified))));
    const keysOf = async (bucket: string) => (await json(await get(`/api/lake/${bucket}`))).objects.map((o: { key: string }) => o.key) as string[];
    const achatsCsv = (await keysOf('bronze')).find((k) => /^achats\/ingest_date=[\d-]+\/achats\.csv$/.test(k))!;
    const clientsQuarantine = (await keysOf('silver')).find((k) => /^quarantine\/clients\/ingest_date=[\d-]+\/clients\.parquet$/.test(k))!;
    assert.ok(achatsCsv && clientsQuarantine);

    const preview = await json(await get('/api/lake/silver/preview?key=clients/data_0.parquet&limit=3'));
    assert.equal(preview.total_rows, 200);
    assert.equal(preview.rows.length, 3);
    assert.deepEqual(preview.columns.map((c: { name: string }) => c.name), ['id_client', 'nom', 'email', 'date_inscription', 'pays']);
    assert.ok(preview.rows.every((r: { nom: string; email: string }) => r.nom === '***' && r.email === '***'));

    const csvPreview = await json(await get(`/api/lake/bronze/preview?key=${achatsCsv}&limit=1000`));
    assert.equal(csvPreview.total_rows, 5000);
    assert.equal(csvPreview.rows.length, 1000);
    assert.equal(csvPreview.format, 'csv');

    const filtered = await json(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=pays&value=France&limit=1000`));
    assert.ok(filtered.total_rows > 0);
    assert.ok(filtered.rows.every((r: { pays: string }) => r.pays === 'France'));
    await expectError(await get('/api/lake/silver/preview?key=clients/data_0.parquet&column=email&value=x'), 400, /personal data/);
    await expectError(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=nope&value=1`), 400, /not a column/);

    const quarantine = await json(await get(`/api/lake/silver/preview?key=${clientsQuarantine}`));
    assert.equal(quarantine.total_rows, 1);
    assert.equal(quarantine.rows[0]._reason, 'malformed_line:too_many_columns');
    assert.equal(quarantine.rows[0]._raw_line, '***');
    const quarantineCsv = await (await get(`/api/lake/silver/download?key=${clientsQuarantine}`)).text();
    assert.doesNotMatch(quarantineCsv, /secret/i);

    const download = await get('/api/lake/silver/download?key=clients/data_0.parquet');
    assert.match(download.headers.get('content-type')!, /^text\/csv/);
    assert.match(download.headers.get('content-disposition')!, /filename="clients_data_0\.csv"/);
    const lines = (await download.text()).trim().split('\n');
    assert.equal(lines.length, 201);
    assert.equal(lines[0], 'id_client,nom,email,date_inscription,pays');
    assert.ok(lines.slice(1).every((l) => l.split(',')[1] === '***'));
  });

  test('lake explorer refuses keys outside the lake and unknown objects', async () => {
    for (const key of ['../../../etc/passwd', '..%2F..%2Fserving.sqlite', '/etc/passwd', 'a/../../x.csv']) {
      await expectError(await get(`/api/lake/gold/preview?key=${key}`), 400, /parameter "key"/);
      await expectError(await get(`/api/lake/gold/download?key=${key}`), 400, /parameter "key"/);
    }
    await expectError(await get('/api/lake/etc/preview?key=passwd.csv'), 400, /path parameter "bucket"/);
    await expectError(await get('/api/lake/gold/preview?key=nope.parquet'), 404, /no object gold\/nope\.parquet/);
    await expectError(await get('/api/lake/bronze/preview?key=_manifest.json'), 400, /only \.csv and \.parquet/);
    await expectError(await get('/api/lake/gold/preview?key=dim_clients.parquet&limit=1001'), 400, /"limit"/);
    await expectError(await get('/api/lake/gold/preview'), 400, /missing query parameter "key"/);
  });

  test('a dangling link in the lake is skipped: the run history and the explorer keep answering', async () => {
    const links = [path.join(config.lakeDir, 'runs', 'zz-dangling.json'), path.join(config.lakeDir, 'gold', 'dangling.parquet')];
    for (const l of links) await fs.symlink(path.join(config.dataDir, 'nowhere'), l);
    try {
      for (const p of ['/api/runs', '/api/lake', '/api/lake/gold', '/api/quality']) {
        const r = await get(p);
        assert.equal(r.status, 200, p);
        assert.doesNotMatch(await r.text(), /dangling|nowhere/, p);
      }
      const missing = await get('/api/lake/gold/preview?key=dangling.parquet');
      assert.equal(missing.status, 404);
      assert.doesNotMatch(await missing.text(), new RegExp(config.dataDir.replace(/[/.]/g, '\\$&')), 'no server path in an error');
    } finally {
      for (const l of links) await fs.rm(l, { force: true });
    }
  });

  test('GET /api/quality: the latest report, or a given run\'s', async () => {
    const report = await json(await get('/api/quality'));
    assert.ok(report.checks.length > 10);
    const rules = new Set(report.checks.map((c: { dataset: string; rule: string }) => `${c.dataset}:${c.rule}`));
    for (const r of ['clients:required', 'clients:type', 'clients:unique_key', 'clients:allowed_values', 'achats:references', 'achats:maximum', 'achats:date_range', 'achats:not_empty']) assert.ok(rules.has(r), r);
    assert.ok(report.checks.every((c: { checked: number; failed: number; passed: number }) => c.checked >= c.failed && c.failed >= 0 && c.passed === c.checked - c.failed));
    assert.equal(report.quarantine.clients.reasons['malformed_line:too_many_columns'], 1);
    const again = await json(await get(`/api/quality?run=${report.runId}`));
    assert.deepEqual(again.checks, report.checks);
    await expectError(await get('/api/quality?run=20200101T000000Z-000000'), 404, /no run/);
    await expectError(await get('/api/quality?run=../x'), 400, /"run"/);
  });

  test('GET /api/runs and /api/runs/{id}', async () => {
    const runs = await json(await get('/api/runs'));
    assert.ok(runs.length >= 1);
    assert.equal(runs[runs.length - 1].flow, 'pipeline');
    assert.deepEqual(runs[runs.length - 1].tasks.filter((t: { parent?: string }) => !t.parent).map((t: { name: string; state: string }) => `${t.name}:${t.state}`), ['bronze:completed', 'silver:completed', 'gold:completed', 'publish:completed']);
    const one = await json(await get(`/api/runs/${runs[0].runId}`));
    assert.equal(one.runId, runs[0].runId);
    await expectError(await get('/api/runs/20200101T000000Z-000000'), 404, /no run/);
    await expectError(await get('/api/runs/..%2Fx'), 400, /"id"/);
  });
});

describe('API with API_KEY set', () => {
  let config: Config;
  let app: FastifyInstance;
  let get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  let url: string;
  before(async () => {
    ({ config } = await tempConfig({ API_KEY: 's3cret-key', API_KEYS: 'reader:read-only-key, admin:second-admin-key' }));
    await generate({ outDir: config.sourcesDir, clients: 30, achats: 300, seed: 2, asOf: FIXED_DAY });
    await runPipeline({ config });
    app = await createApp(config);
    ({ get, url } = await listen(app));
  });
  after(async () => {
    await app.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('the explorer needs the bearer key; KPI reads stay public', async () => {
    const r = await get('/api/lake');
    await expectError(r, 401, /Authorization: Bearer/);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    await expectError(await get('/api/lake/silver/preview?key=clients/data_0.parquet', { authorization: 'Bearer wrong' }), 401, /Bearer/);
    await expectError(await get('/api/lake/silver/download?key=clients/data_0.parquet', { authorization: 's3cret-key' }), 401, /Bearer/);
    // Authentication comes before the parameters' validation: no key, no 400 telling what is wrong.
    await expectError(await get('/api/lake/silver/preview?key=&limit=0x10&bogus=1'), 401, /Bearer/);
    await expectError(await get('/api/lake/platinum'), 401, /Bearer/);
    const ok = await get('/api/lake/silver/preview?key=clients/data_0.parquet&limit=2', { authorization: 'Bearer s3cret-key' });
    assert.equal(ok.status, 200);
    const body = await json(ok);
    assert.match(body.rows[0].email, /@example\.com$/, 'admins see personal data');
    assert.equal((await get('/api/ca_par_pays')).status, 200);
    assert.equal((await get('/api/compare?kpi=distribution&n=2')).status, 200);
  });

  test('roles: a reader key opens the explorer with personal data masked, not the admin endpoints', async () => {
    const reader = { authorization: 'Bearer read-only-key' };
    const preview = await get('/api/lake/silver/preview?key=clients/data_0.parquet&limit=2', reader);
    assert.equal(preview.status, 200);
    assert.ok((await json(preview)).rows.every((r: { nom: string; email: string }) => r.nom === '***' && r.email === '***'));
    await expectError(await get('/api/lake/silver/preview?key=clients/data_0.parquet&column=email&value=x', reader), 400, /personal data/);
    const post = await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...reader }, body: JSON.stringify({ flow: 'pipeline' }) });
    await expectError(post, 403, /admin key; the key given is a reader key/);
    await expectError(await get('/admin/queues', reader), 403, /admin key/);
    // The second admin key of API_KEYS is an admin like API_KEY.
    const admin = await get('/api/lake/silver/preview?key=clients/data_0.parquet&limit=2', { authorization: 'Bearer second-admin-key' });
    assert.match((await json(admin)).rows[0].email, /@example\.com$/);
    // No secret in a response: not in the health, readiness or docs.
    for (const p of ['/health', '/ready', '/openapi.json', '/api']) assert.doesNotMatch(await (await get(p)).text(), /s3cret-key|read-only-key|second-admin-key/);
  });

  test('the queue dashboard asks a browser for the key, and says it needs REDIS_URL when not in distributed mode', async () => {
    const r = await get('/admin/queues');
    await expectError(r, 401, /API key/);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="datalake admin", charset="UTF-8"');
    await expectError(await get('/admin/queues', { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` }), 401, /API key/);
    await expectError(await get('/admin/queues', { authorization: `Basic ${Buffer.from('admin:s3cret-key').toString('base64')}` }), 404, /set REDIS_URL/);
    await expectError(await get('/admin/queues/api/queues', { authorization: 'Bearer s3cret-key' }), 404, /set REDIS_URL/);
  });

  test('POST /api/runs starts a flow for an admin; a second one while it runs gets 409', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const admin = { authorization: 'Bearer s3cret-key' };
    await expectError(await post({ flow: 'pipeline' }), 401, /Bearer/);
    await expectError(await post({ flow: 'nope' }, admin), 400, /flow/);

    // While another process holds the lake, a trigger is refused with who holds it.
    const lake = openObjectStore(config);
    const now = new Date().toISOString();
    const holder = { runId: '20261128T000000.000Z-abcdef', flow: 'pipeline', owner: 'pid 1 on elsewhere', host: 'elsewhere', pid: 1, acquiredAt: now, heartbeatAt: now };
    assert.equal(await lake.create('runs', '_lock.json', JSON.stringify(holder)), true);
    await expectError(await post({ flow: 'gold_ingestion_flow' }, admin), 409, /another run is writing this lake: pipeline 20261128T000000\.000Z-abcdef/);
    await lake.delete('runs', '_lock.json');

    const r = await post({ flow: 'gold_ingestion_flow', full_refresh: true }, admin);
    assert.equal(r.status, 202);
    const started = await json(r);
    assert.equal(r.headers.get('location'), `/api/runs/${started.runId}`);
    let run;
    for (let i = 0; i < 200; i++) {
      run = await json(await get(`/api/runs/${started.runId}`));
      if (run.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(run.state, 'completed');
    assert.equal(run.flow, 'gold_ingestion_flow');
    assert.deepEqual(run.parameters, { fullRefresh: true, trigger: 'api' });
    assert.equal(run.tasks[0].attempts[0].state, 'completed');
    assert.ok(run.logs.some((l: { message: string }) => /gold_ingestion_flow started/.test(l.message)));
  });
});

describe('API without a publish, and with the serving store down', () => {
  test('nothing published yet: 404 JSON saying to run the pipeline', async () => {
    const { config } = await tempConfig();
    const app = await createApp(config);
    try {
      const { get } = await listen(app);
      await expectError(await get('/api/ca_par_pays'), 404, /no KPI has been published yet: run the pipeline/);
      await expectError(await get('/api/compare?kpi=ca_par_pays'), 404, /no KPI has been published yet/);
      await expectError(await get('/api/quality'), 404, /no quality report yet: run the pipeline/);
      // Clients match the stable code, not the wording.
      assert.equal((await json(await get('/api/kpis/ca_par_pays'))).code, 'not_published');
      const ready = await json(await get('/ready'));
      assert.equal(ready.last_publish, null);
      assert.deepEqual(await json(await get('/api/runs')), []);
    } finally {
      await app.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    }
  });

  test('serving store unreachable: 503 JSON with Retry-After, and /ready says so', async () => {
    const { config } = await tempConfig();
    const down: ServingStore = {
      description: 'mongodb://db.example:27017',
      publish: async () => assert.fail('not called'),
      read: async () => {
        throw new Error('connection refused');
      },
      lastPublish: async () => {
        throw new Error('connection refused');
      },
      version: async () => {
        throw new Error('connection refused');
      },
      close: async () => undefined,
    };
    const ctx = new ApiContext(config, down, openObjectStore(config), new KpiService(down, config.project.kpis), new ApiAuth([]));
    const app = await buildApp(ctx);
    try {
      const { get } = await listen(app);
      const r = await get('/api/ca_par_pays');
      assert.equal(r.headers.get('retry-after'), '5');
      await expectError(r, 503, /serving store \(mongodb:\/\/db\.example:27017\) is unavailable: connection refused/);
      const ready = await get('/ready');
      assert.equal(ready.status, 503);
      assert.equal((await json(ready)).status, 'unavailable');
      assert.equal((await get('/health')).status, 200);
    } finally {
      await app.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    }
  });

  test('SERVE_FALLBACK=lake serves KPIs from gold while the lake is down; the API recovers by itself', async () => {
    const { config } = await tempConfig({ SERVE_FALLBACK: 'lake' });
    await generate({ outDir: config.sourcesDir, clients: 50, achats: 1500, seed: 5, asOf: FIXED_DAY });
    assert.equal((await runPipeline({ config })).error, undefined);
    const real = new SqliteServingStore(config.servingDbPath);
    let down = true;
    const guard = <T>(fn: () => Promise<T>) => (down ? Promise.reject(new Error('connection refused')) : fn());
    const flaky: ServingStore = {
      description: real.description,
      publish: (r, t) => guard(() => real.publish(r, t)),
      read: (t, o) => guard(() => real.read(t, o)),
      lastPublish: () => guard(() => real.lastPublish()),
      version: () => guard(() => real.version()),
      close: () => real.close(),
    };
    const withFallback = new KpiService(flaky, config.project.kpis);
    const ctx = new ApiContext(config, flaky, openObjectStore(config), withFallback, new ApiAuth([]));
    withFallback.enableLakeFallback(lakeReader(ctx));
    const app = await buildApp(ctx);
    const strictCtx = new ApiContext(config, flaky, openObjectStore(config), new KpiService(flaky, config.project.kpis), new ApiAuth([]));
    const strict = await buildApp(strictCtx);
    try {
      const { get } = await listen(app);
      const { get: getStrict } = await listen(strict);
      const fromLake = await get('/api/volumes_jour?from=2026-02-01&to=2026-02-07');
      assert.equal(fromLake.status, 200);
      assert.equal(fromLake.headers.get('x-served-from'), 'lake');
      assert.equal(fromLake.headers.get('etag'), null);
      const lakeRows = await json(fromLake);
      await expectError(await getStrict('/api/volumes_jour'), 503, /unavailable/);

      down = false;
      await new Promise((r) => setTimeout(r, VERSION_TTL_MS + 20));
      const fromStore = await get('/api/volumes_jour?from=2026-02-01&to=2026-02-07');
      assert.equal(fromStore.headers.get('x-served-from'), null);
      assert.ok(fromStore.headers.get('etag'));
      assert.deepEqual(lakeRows, await json(fromStore), 'the lake answer equals the serving store answer');
      assert.equal(lakeRows.length, 7);
      assert.deepEqual(await json(await get('/api/ca_par_pays')), await real.read('kpi_ca_par_pays'));
      assert.equal((await getStrict('/api/volumes_jour')).status, 200, 'recovered without a restart');
    } finally {
      await app.close();
      await strict.close();
      await real.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    }
  });
});

describe('API protections: security headers, CORS, body size, rate limit', () => {
  let config: Config;
  before(async () => {
    ({ config } = await tempConfig({ CORS_ORIGINS: 'https://ok.example, https://also.example', RATE_LIMIT_PER_MINUTE: '5' }));
    await generate({ outDir: config.sourcesDir, clients: 30, achats: 300, seed: 2, asOf: FIXED_DAY });
    await runPipeline({ config });
  });
  after(async () => {
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('security headers everywhere; a strict Content-Security-Policy except on the third-party UIs', async () => {
    const app = await createApp(config);
    try {
      for (const url of ['/', '/api/ca_par_pays', '/api/nope', '/docs']) {
        const r = await app.inject({ url });
        assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
        assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN', url);
        assert.equal(r.headers['x-powered-by'], undefined, url);
        const csp = String(r.headers['content-security-policy'] ?? '');
        if (url === '/docs') assert.equal(csp, '', 'Swagger UI runs inline scripts');
        else {
          assert.match(csp, /default-src 'self'/, url);
          assert.match(csp, /script-src 'self'/, url);
          assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'plain HTTP on a laptop keeps working');
        }
      }
    } finally {
      await app.close();
    }
  });

  test('CORS: only the configured origins, and none by default', async () => {
    const app = await createApp(config);
    const closed = await createApp({ ...config, server: { ...config.server, corsOrigins: [] } });
    try {
      const ok = await app.inject({ url: '/api/ca_par_pays', headers: { origin: 'https://also.example' } });
      assert.equal(ok.headers['access-control-allow-origin'], 'https://also.example');
      const other = await app.inject({ url: '/api/ca_par_pays', headers: { origin: 'https://evil.example' } });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      const preflight = await app.inject({ method: 'OPTIONS', url: '/api/runs', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://ok.example');
      const off = await closed.inject({ url: '/api/ca_par_pays', headers: { origin: 'https://ok.example' } });
      assert.equal(off.headers['access-control-allow-origin'], undefined);
    } finally {
      await app.close();
      await closed.close();
    }
  });

  test('a body over 64 KiB is a 413 JSON error', async () => {
    const app = await createApp(config);
    try {
      const r = await app.inject({ method: 'POST', url: '/api/runs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ flow: 'x'.repeat(70_000) }) });
      assert.equal(r.statusCode, 413);
      assert.equal(r.json().statusCode, 413);
    } finally {
      await app.close();
    }
  });

  test('compare and admin endpoints are limited per client (429 JSON with Retry-After); KPI reads are not', async () => {
    const app = await createApp(config);
    try {
      const from = (ip: string) => ({ url: '/api/compare?kpi=ca_par_pays&n=2', remoteAddress: ip });
      for (let i = 0; i < 5; i++) assert.equal((await app.inject(from('10.0.0.1'))).statusCode, 200);
      const limited = await app.inject(from('10.0.0.1'));
      assert.equal(limited.statusCode, 429);
      assert.match(limited.json().message, /at most 5 per minute/);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await app.inject(from('10.0.0.2'))).statusCode, 200, 'another client is not limited');
      for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/api/runs', payload: { flow: 'nope' }, remoteAddress: '10.0.0.3' });
      assert.equal((await app.inject({ method: 'POST', url: '/api/runs', payload: { flow: 'nope' }, remoteAddress: '10.0.0.3' })).statusCode, 429);
      for (let i = 0; i < 20; i++) assert.equal((await app.inject({ url: '/api/ca_par_pays', remoteAddress: '10.0.0.1' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
