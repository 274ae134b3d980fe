import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VERSION_TTL_MS } from '../../src/api/kpi-service.js';
import type { Config } from '../../src/config.js';
import { runPipeline } from '../support/run.js';
import type { ServingStore } from '../../src/serving/index.js';
import { SqliteServingStore } from '../../src/serving/sqlite.js';
import { expectError, json } from '../support/http.js';
import { publishedShop, type PublishedShop } from '../support/published-shop.js';

/** The KPI endpoints, health and documents of a server on a published shop. */
describe('API on a published lake', () => {
  let config: Config;
  let get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  let serving: ServingStore;
  let shop: PublishedShop;
  before(async () => {
    shop = await publishedShop();
    ({ config, get, serving } = shop);
  });
  after(() => shop.close());

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
    // A year on a KPI of months: every month of that year, the last included.
    const year = await json(await get('/api/volumes_mois?from=2026&to=2026'));
    const allMonths = (await json(await get('/api/volumes_mois'))).map((m: { mois: string }) => m.mois);
    assert.deepEqual(year.map((m: { mois: string }) => m.mois), allMonths.filter((m: string) => m.startsWith('2026')));
    assert.ok(year.length > 1);
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
    // The form wanted, in words (the generic route says it too), never the pattern's regular expression.
    await expectError(await get('/api/volumes_jour?from=abc'), 400, /^invalid query parameter "from": must be a day YYYY-MM-DD or a month YYYY-MM/);
    await expectError(await get('/api/volumes_mois?to=%21%21'), 400, /^invalid query parameter "to": must be a value of the range column such as 2026-03/);
    await expectError(await get('/api/runs/a%20b'), 400, /^invalid path parameter "id": must be a run id/);
    // A parameter given twice is said so, whatever its type.
    await expectError(await get('/api/volumes_jour?limit=5&limit=6'), 400, /^query parameter "limit" is given twice: give it once$/);
    await expectError(await get('/api/ca_par_pays?pays=a&pays=b'), 400, /^query parameter "pays" is given twice/);
    await expectError(await get('/api/volumes_jour?from=2026-01&from=2026-02&from=2026-03'), 400, /"from" is given 3 times/);
    await expectError(await get('/api/volumes_jour?from=2026-13-01'), 400, /"from"/);
    await expectError(await get('/api/volumes_jour?to=2026-02-30'), 400, /"to": 2026-02-30 is not a day of the calendar/);
    // Refused before routing, in the same shape: a URL that does not decode, a request line too large.
    const badUrl = await get('/api/runs/%FF');
    assert.deepEqual([badUrl.status, (await badUrl.json()).code], [400, 'bad_parameter']);
    const huge = await get(`/api/volumes_jour?from=${'x'.repeat(17_000)}`);
    assert.deepEqual([huge.status, (await huge.json()).code], [431, 'bad_parameter']);
    // On a text range (months as `2026-03`), a bound shaped as a month must be one too.
    await expectError(await get('/api/volumes_mois?from=2025-13'), 400, /"from": 2025-13 is not a month of the calendar/);
    await expectError(await get('/api/kpis/volumes_mois?to=2026-00'), 400, /"to": 2026-00 is not a month of the calendar/);
    // A word for a month would select nothing (or everything): it is refused, naming the values' form.
    await expectError(await get('/api/volumes_mois?from=abc'), 400, /invalid query parameter "from": "abc" is not of the form of mois's values, such as \d{4}-\d{2}/);
    await expectError(await get('/api/kpis/volumes_annee?to=last'), 400, /"to": "last" is not of the form of annee's values, such as \d{4}$/);
    await expectError(await get('/api/volumes_mois?from=abc&version=1'), 400, /"from": "abc" is not of the form of mois's values/);
    // Another period's form: a quarter or a week for months.
    await expectError(await get('/api/volumes_mois?to=2026Q1'), 400, /"to": "2026Q1" is not of the form of mois's values/);
    await expectError(await get('/api/volumes_mois?from=2026W05'), 400, /"from": "2026W05" is not of the form/);
    assert.equal((await get('/api/volumes_mois?from=2024-02-29')).status, 200);
    await expectError(await get('/api/volumes_jour?from=2026-05-01&to=2026-04-01'), 400, /"from" \(2026-05-01\) is after "to" \(2026-04-01\)/);
    await expectError(await get('/api/volumes_jour?limit=0'), 400, /"limit"/);
    await expectError(await get('/api/volumes_jour?limit=abc'), 400, /"limit"/);
    await expectError(await get('/api/volumes_jour?offset=-1'), 400, /"offset"/);
    await expectError(await get('/api/volumes_jour?format=xml'), 400, /invalid query parameter "format": must be one of json, csv/);
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
    // The tag follows the bytes, not the store's publish counter: the same rows published again keep it
    // (a store made again, its counter back at 1, cannot give new numbers an old answer's tag).
    const again2 = new SqliteServingStore(config.servingDbPath);
    await again2.publish('other-process-2', [{ table: 'kpi_ca_par_pays', columns, rows: [{ pays: 'Mars', nb_achats: 1, ca_total: 2, panier_moyen: 2 }] }]);
    await again2.close();
    await new Promise((r) => setTimeout(r, VERSION_TTL_MS + 20));
    assert.equal((await get('/api/ca_par_pays', { 'if-none-match': after.headers.get('etag')! })).status, 304);
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
});
