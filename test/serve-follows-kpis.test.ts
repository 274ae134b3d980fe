import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LiveApp } from '../src/api/live-app.js';
import { BIN, runCli } from './support/cli.js';
import { ORDER_COUNT_KPI, tinyProject, TINY_FILES, type Tiny } from './support/tiny.js';

// "A KPI is declared once and flows to gold, the serving store, the API, its docs and the dashboard":
// to a server already running too. `datalake serve` is started once; a KPI file is added, then another
// changed, a run publishes them, and the same process serves them (route, OpenAPI document, dashboard
// list) without a restart. Between the change and the run, a changed KPI is a 409 saying to run the
// pipeline, never rows under columns they do not have.

const RENAMED = TINY_FILES['kpis/revenue_by_country.yml']!.replace('AS revenue\n', 'AS revenue_eur\n').replace('  revenue: {', '  revenue_eur: {');

/** Polls `probe` until it gives a value, for up to `ms`. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`still not ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a running server follows the KPI files', () => {
  let tiny: Tiny;
  let server: ChildProcess;
  let url: string;
  let output = '';
  const env = () => ({ DATALAKE_PROJECT: tiny.dir, DUCKDB_THREADS: '1' });
  const get = async (route: string) => {
    const res = await fetch(url + route);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
  };
  const run = async () => {
    const r = await runCli(['run'], env());
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    tiny = await tinyProject();
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,FR\n2,Bob,DE\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n11,2,2026-02-01,7.00\n');
    await run();
    server = spawn(process.execPath, [BIN, 'serve'], { env: { PATH: process.env['PATH'] ?? '', ...env(), SERVER_WORKERS: '1', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' } });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    url = await until(async () => /Dashboard: (http:\/\/[^/\s]+)\//.exec(output)?.[1], 'listening', 60_000);
  });
  after(async () => {
    if (server.exitCode === null) await new Promise((done) => (server.once('exit', done), server.kill('SIGTERM')));
    await tiny.cleanup();
  });

  test('a KPI file added: its route, OpenAPI path and tab appear without a restart, and it answers once a run published it', async () => {
    assert.equal((await get('/api/order_count')).body['code'], 'not_found', 'no such route yet');
    await fs.writeFile(path.join(tiny.dir, 'kpis', 'order_count.yml'), ORDER_COUNT_KPI);

    // Within a second or so the server serves the definitions as they are now: the route is there,
    // with nothing published for it.
    await until(async () => ((await get('/api/kpis')).body.some((k) => (k as { id: string }).id === 'order_count') ? true : undefined), 'listed in /api/kpis');
    const early = await get('/api/order_count');
    assert.equal(early.status, 404);
    assert.equal(early.body['code'], 'not_published');
    assert.match(String(early.body['message']), /KPI order_count has not been published yet: run the pipeline/);

    await run();
    const rows = await until(async () => {
      const r = await get('/api/order_count');
      return r.status === 200 ? r.body : undefined;
    }, 'published');
    assert.deepEqual(rows, [{ n: 2 }]);
    assert.deepEqual((await get('/api/kpis/order_count')).body, [{ n: 2 }], 'the generic route too');

    const openapi = (await get('/openapi.json')).body as unknown as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { items: { properties: object } } }> }> } }> };
    const ok = openapi.paths['/api/order_count']?.get.responses['200'];
    assert.deepEqual(Object.keys(ok!.content['application/json']!.schema.items.properties), ['n'], 'its OpenAPI schema has its column');
    const project = (await get('/api/project')).body as unknown as { tabs: { id: string; kpis: string[] }[] };
    assert.deepEqual(project.tabs.map((t) => t.id), ['order_count', 'revenue_by_country'], 'the dashboard gets its tab');

    assert.equal(server.exitCode, null, 'the same process all along');
    assert.match(output, /the definitions changed \(KPIs added: order_count\): served from now on, without a restart/);
    assert.doesNotMatch(output, /restart `datalake serve`/);
  });

  test('a KPI whose columns changed is a 409 saying to run the pipeline until a run publishes it, then served as declared', async () => {
    await fs.writeFile(path.join(tiny.dir, 'kpis', 'revenue_by_country.yml'), RENAMED);
    const conflict = await until(async () => {
      const r = await get('/api/revenue_by_country');
      return r.status === 409 ? r.body : undefined;
    }, 'a 409');
    assert.equal(conflict['code'], 'kpi_changed');
    assert.equal(
      conflict['message'],
      'KPI revenue_by_country changed since it was last published: kpis/revenue_by_country.yml declares (country string, orders integer, revenue_eur number), the serving store holds (country string, orders integer, revenue number); run the pipeline (`datalake run`) to publish it',
    );
    assert.equal((await get('/api/kpis/revenue_by_country?format=csv')).status, 409, 'the generic route and the CSV too');
    // The other KPIs are served meanwhile.
    assert.deepEqual((await get('/api/order_count')).body, [{ n: 2 }]);
    // The CLI's show says the same, in one line, rather than the old rows under the new columns.
    const shown = await runCli(['show', 'revenue_by_country'], env());
    assert.notEqual(shown.code, 0);
    assert.match(shown.stderr, /^error: KPI revenue_by_country changed since it was last published: kpis\/revenue_by_country\.yml declares \(country string, orders integer, revenue_eur number\), the serving store holds \(country string, orders integer, revenue number\)$/m);
    assert.match(shown.stderr, /hint: run the pipeline \(`datalake run`\) to publish it, then show it again/);
    assert.doesNotMatch(shown.stdout, /revenue/);

    await run();
    const rows = await until(async () => {
      const r = await get('/api/revenue_by_country');
      return r.status === 200 ? r.body : undefined;
    }, 'published');
    assert.deepEqual(rows, [
      { country: 'DE', orders: 1, revenue_eur: 7 },
      { country: 'FR', orders: 1, revenue_eur: 12.5 },
    ]);
    const openapi = JSON.stringify((await get('/openapi.json')).body);
    assert.match(openapi, /revenue_eur/);
    assert.doesNotMatch(openapi, /"revenue"/);
  });
});

describe('LiveApp', () => {
  test('a request taken before a swap finishes on the app that took it, which is closed only then; a build that fails leaves the app serving', async () => {
    let definitions = 'a';
    const closed: string[] = [];
    const errors: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let slowArrived = false;
    const live = await LiveApp.start<string>({
      current: () => definitions,
      signature: (d) => d,
      build: async (d) => {
        if (d === 'broken') throw new Error('route /api/x declared twice');
        return {
          handle: (req, res) => {
            if (req.url !== '/slow') return void res.end(d);
            slowArrived = true;
            void held.then(() => res.end(d));
          },
          close: async () => void closed.push(d),
        };
      },
      log: { info: () => undefined, error: (m) => void errors.push(m) },
      checkMs: 3_600_000, // refreshed by hand below
    });
    const server = http.createServer(live.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const slow = fetch(`${url}/slow`).then((r) => r.text());
      await until(async () => (slowArrived ? true : undefined), 'arrived');
      definitions = 'b';
      await live.refresh();
      assert.equal(await (await fetch(url)).text(), 'b', 'a new request goes to the new app');
      assert.equal(closed.length, 0, 'the old app still has a request');
      release();
      assert.equal(await slow, 'a', 'the request in flight finished on the old app');
      await until(async () => (closed.includes('a') ? true : undefined), 'closed');

      definitions = 'broken';
      await live.refresh();
      await live.refresh();
      assert.equal(await (await fetch(url)).text(), 'b');
      assert.deepEqual(errors, ['the changed definitions cannot be served, still serving the previous ones: route /api/x declared twice'], 'said once');
      definitions = 'c';
      await live.refresh();
      assert.equal(await (await fetch(url)).text(), 'c', 'fixed, served');
    } finally {
      await live.close();
      server.closeAllConnections();
      server.close();
    }
    assert.deepEqual(closed, ['a', 'b', 'c']);
  });
});
