import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { ApiAuth } from '../../src/api/auth.js';
import { LazyEngine, type ApiServices } from '../../src/api/services.js';
import { KpiService, VERSION_TTL_MS } from '../../src/api/kpi-service.js';
import { lakeReader } from '../../src/api/lake-fallback.js';
import { createApp } from '../../src/api/server.js';
import type { Config } from '../../src/config.js';
import { generate } from '../../src/generate/generator.js';
import { openObjectStore } from '../../src/lake/index.js';
import { runPipeline } from '../support/run.js';
import { type ServingStore } from '../../src/serving/index.js';
import { SqliteServingStore } from '../../src/serving/sqlite.js';
import { FIXED_DAY, tempConfig } from '../support/env.js';

import { expectError, json, listen } from '../support/http.js';

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
    const app = await buildApp(services(config, down));
    try {
      const { get } = await listen(app);
      const r = await get('/api/ca_par_pays');
      assert.equal(r.headers.get('retry-after'), '5');
      await expectError(r, 503, /serving store \(mongodb:\/\/db\.example:27017\) is unavailable: connection refused/);
      const ready = await get('/ready');
      assert.equal(ready.status, 503);
      const readyBody = await json(ready);
      assert.equal(readyBody.status, 'unavailable');
      // As every error body: a stable code to match.
      assert.equal(readyBody.code, 'unavailable');
      assert.equal((await get('/health')).status, 200);
    } finally {
      await app.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    }
  });

  test('lake unreachable while the store answers: /ready is 200 and its degraded says the lake does not answer', async () => {
    const { config } = await tempConfig();
    const store = new SqliteServingStore(config.servingDbPath);
    const lake = openObjectStore(config);
    const failing = new Proxy(lake, { get: (target, name) => (name === 'list' || name === 'getBytes' || name === 'get' ? async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9000')) : Reflect.get(target, name)) });
    const app = await buildApp({ ...services(config, store), lake: failing });
    try {
      const { get } = await listen(app);
      const ready = await get('/ready');
      assert.equal(ready.status, 200);
      const body = await json(ready);
      assert.match(body.degraded.join('\n'), /the lake does not answer \(connect ECONNREFUSED 127\.0\.0\.1:9000\): KPIs are served from the store/);
    } finally {
      await app.close();
      await store.close();
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
    const withLake = services(config, flaky, withFallback);
    withFallback.enableLakeFallback(lakeReader(withLake.lake, withLake.engine, config.project));
    const app = await buildApp(withLake);
    const strict = await buildApp(services(config, flaky));
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

/** The API's services around a given serving store (one that fails, say), as createApp would open them. */
function services(config: Config, serving: ServingStore, kpis = new KpiService(serving, config.project.kpis)): ApiServices {
  return { config, serving, lake: openObjectStore(config), kpis, auth: new ApiAuth([]), engine: new LazyEngine(config) };
}
