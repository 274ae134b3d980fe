import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runDoctor, renderDoctor } from '../src/cli/doctor.js';
import { loadConfig, type Config } from '../src/config.js';
import { Queue } from 'bullmq';
import { freshnessLock } from '../src/flows/queue/worker.js';
import { runFlow } from '../src/flows/run-flow.js';
import { currentVersion, FRESHNESS_STATE, openObjectStore, readJson, type ObjectStore } from '../src/lake/index.js';
import type { Manifest } from '../src/pipeline/bronze.js';
import { definitionDigest } from '../src/pipeline/silver/state.js';
import { FreshnessMonitor, freshnessEvent, type StoredFreshness } from '../src/ops/freshness-monitor.js';
import { age, freshnessReport, newestFiles, readFreshness } from '../src/ops/freshness.js';
import { settleAlerts } from '../src/ops/pending.js';
import { loadProject } from '../src/project/load.js';
import { BUILT_IN_PROJECT } from '../src/project/resolve.js';
import { durationSeconds, formatDuration } from '../src/duration.js';
import { json, listen } from './support/http.js';
import { createApp } from '../src/api/server.js';
import { tinyProject, type Tiny } from './support/tiny.js';
import { startTestRedis } from './support/redis.js';
import { startReceiver, type Receiver } from './support/webhook.js';

// Freshness SLAs: the `freshness` key of a dataset, each dataset's state computed at a given time,
// GET /api/freshness, /ready's degraded reasons, doctor, and the alerts on a change of state.

const HOUR = 3600_000;

describe('the freshness key of a dataset', () => {
  /** The shop's achats.yml with its freshness line replaced; the error `loadProject` gives, or the project. */
  async function shopWith(freshness: string) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'freshness-project-'));
    try {
      await fs.cp(BUILT_IN_PROJECT, dir, { recursive: true });
      const file = path.join(dir, 'datasets', 'achats.yml');
      await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/^freshness: .*$/m, freshness));
      return loadProject(dir, { builtIn: false });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  test('durations: a number and a unit, or several', () => {
    assert.deepEqual(['30m', '26h', '2d', '1d12h', '90s', '1w', ' 26 h '].map(durationSeconds), [1800, 93600, 172800, 129600, 90, 604800, 93600]);
    for (const bad of ['26', 'h', '26x', '1.5h', '-2h', '']) assert.equal(durationSeconds(bad), undefined, bad);
    assert.deepEqual([93600, 180000, 172800, 129600, 5400, 45, 3661, 184 * 3600].map((s) => formatDuration(s)), ['26h', '50h', '2d', '36h', '90m', '45s', '1h1m1s', '7d16h']);
    assert.deepEqual([0, 59, 61, 3599 + 60, 94_200, 47 * 3600 + 59 * 60 + 59, 2 * 86_400 + 3 * 3600 + 59 * 60, 3 * 86_400].map(age), ['0s', '59s', '1m', '1h', '26h10m', '47h59m', '2d3h', '3d']);
  });

  test('the shop declares one on achats; a valid one loads in seconds', async () => {
    const shop = loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false }).project;
    assert.deepEqual(shop.datasets.find((d) => d.name === 'achats')!.freshness, { warnAfter: 26 * 3600, errorAfter: 50 * 3600 });
    assert.equal(shop.datasets.find((d) => d.name === 'clients')!.freshness, undefined);
    const project = await shopWith('freshness: { error_after: 2d }');
    assert.deepEqual(project.datasets.find((d) => d.name === 'achats')!.freshness, { errorAfter: 2 * 86_400 });
  });

  test('a bad value is one error at its file and line', async () => {
    const cases: [string, RegExp][] = [
      ['freshness: { warn_after: 26x, error_after: 50h }', /^datasets\/achats\.yml:20: field "freshness\.warn_after": "26x": not a duration: write a number and its unit, e\.g\. 30m, 26h, 2d or 1d12h \(units s, m, h, d, w\)$/],
      ['freshness: { warn_after: 26, error_after: 50h }', /^datasets\/achats\.yml:20: field "freshness\.warn_after": 26: not a duration/],
      ['freshness:\n  warn_after: 26h\n  error_after: 0h', /^datasets\/achats\.yml:22: field "freshness\.error_after": "0h": must be longer than 0, e\.g\. 26h$/],
      ['freshness: { warn_after: 50h, error_after: 26h }', /^datasets\/achats\.yml:20: field "freshness\.warn_after": warn_after \(50h\) must be shorter than error_after \(26h\)$/],
      ['freshness: { warn_afer: 26h }', /^datasets\/achats\.yml:20: field "freshness\.warn_afer": unknown key \(did you mean "warn_after"\?\)$/],
      ['freshness: {}', /^datasets\/achats\.yml:20: field "freshness": give warn_after, error_after or both/],
      ['freshness: 26h', /^datasets\/achats\.yml:20: field "freshness": "26h" is not a map of key: value$/],
    ];
    for (const [line, message] of cases) await assert.rejects(shopWith(line), (err: Error) => message.test(err.message), `${line} → ${message}`);
  });

  test('the SLA is not part of the definition silver was built from: changing it rebuilds nothing', () => {
    const achats = loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false }).project.datasets.find((d) => d.name === 'achats')!;
    assert.equal(definitionDigest(achats), definitionDigest({ ...achats, freshness: { warnAfter: 60 } }));
    assert.notEqual(definitionDigest(achats), definitionDigest({ ...achats, delimiter: ';' }));
  });
});

describe("a dataset's freshness at a given time", () => {
  const at = (iso: string) => new Date(iso);
  const file = (dataset: string, name: string, ingestedAt: string, seq: number): Manifest['files'][number] => ({
    seq, name, dataset, version: 1, key: `${dataset}/${name}`, sha256: '', size: 1, rows: 1, ingestDate: ingestedAt.slice(0, 10), ingestedAt, runId: 'r', origin: 'folder',
  });

  test('ok up to warn_after, warn past it, error past error_after; unknown before any file; no SLA listed with its age', () => {
    const project = loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false }).project; // achats: 26h / 50h; clients: none
    const manifest: Manifest = {
      format: 2,
      files: [file('achats', 'achats.csv', '2026-06-10T08:00:00.000Z', 1), file('clients', 'clients.csv', '2026-06-10T06:00:00.000Z', 2), file('achats', 'achats_2.csv', '2026-06-12T08:00:00.000Z', 3)],
    };
    const newest = newestFiles(manifest);
    assert.deepEqual(newest.get('achats'), { name: 'achats_2.csv', ingestedAt: '2026-06-12T08:00:00.000Z' });
    const stateAt = (iso: string) => freshnessReport(project, newest, at(iso)).datasets.find((d) => d.dataset === 'achats')!.state;
    assert.equal(stateAt('2026-06-12T09:00:00.000Z'), 'ok');
    assert.equal(stateAt('2026-06-13T10:00:00.000Z'), 'ok', 'exactly 26 h old is still ok');
    assert.equal(stateAt('2026-06-13T10:00:00.001Z'), 'warn');
    assert.equal(stateAt('2026-06-14T10:00:00.000Z'), 'warn');
    assert.equal(stateAt('2026-06-14T10:00:01.000Z'), 'error');
    const report = freshnessReport(project, newest, at('2026-06-13T11:30:00.000Z'));
    assert.equal(report.state, 'warn');
    assert.deepEqual(report.datasets, [
      { dataset: 'clients', state: 'no_sla', ageSeconds: 77.5 * 3600, lastIngestedAt: '2026-06-10T06:00:00.000Z', lastFile: 'clients.csv' },
      { dataset: 'achats', state: 'warn', ageSeconds: 27.5 * 3600, lastIngestedAt: '2026-06-12T08:00:00.000Z', lastFile: 'achats_2.csv', warnAfter: 93600, errorAfter: 180000 },
    ]);
    const empty = freshnessReport(project, new Map(), at('2026-06-13T11:30:00.000Z'));
    assert.deepEqual(empty.datasets.map((d) => [d.dataset, d.state, d.ageSeconds]), [['clients', 'no_sla', null], ['achats', 'unknown', null]]);
    assert.equal(empty.state, 'ok');
  });

  test('alerts go on a change of state only', () => {
    assert.equal(freshnessEvent(undefined, 'ok'), undefined);
    assert.equal(freshnessEvent(undefined, 'unknown'), undefined);
    assert.equal(freshnessEvent(undefined, 'warn'), 'freshness_warn');
    assert.equal(freshnessEvent('ok', 'warn'), 'freshness_warn');
    assert.equal(freshnessEvent('warn', 'warn'), undefined);
    assert.equal(freshnessEvent('warn', 'error'), 'freshness_error');
    assert.equal(freshnessEvent('ok', 'error'), 'freshness_error');
    assert.equal(freshnessEvent('error', 'ok'), 'recovered');
    assert.equal(freshnessEvent('warn', 'ok'), 'recovered');
    assert.equal(freshnessEvent('unknown', 'ok'), undefined);
  });
});

/** The tiny project: orders stale after an hour (late after two), customers without an SLA, notes with one but no file. */
const SLAS = {
  'datasets/orders.yml': (old: string) => `${old}freshness: { warn_after: 1h, error_after: 2h }\n`,
  'datasets/notes.yml': 'files: "notes*.csv"\ncolumns:\n  text: text\nfreshness: { warn_after: 1d }\n',
};

async function tinyWithSlas(): Promise<Tiny> {
  const base = await tinyProject();
  const files: Record<string, string> = {};
  for (const [file, change] of Object.entries(SLAS)) files[file] = typeof change === 'string' ? change : change(await fs.readFile(path.join(base.dir, file), 'utf8'));
  await base.cleanup();
  return tinyProject(files);
}

async function ingest(t: Tiny, config: Config = t.config) {
  const { summary, error } = await runFlow({ config, lake: t.lake, flow: 'bronze_ingestion_flow' });
  assert.equal(error, undefined, String(error));
  return summary;
}

describe('freshness of a lake', () => {
  let t: Tiny;
  before(async () => {
    t = await tinyWithSlas();
    await t.drop('customers.csv', 'id,name,country\n1,Ann,France\n');
    await t.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-06-01,10.00\n');
    await ingest(t);
  });
  after(async () => t.cleanup());

  test('read from the current version: each dataset, its newest file and its age', async () => {
    const now = new Date(Date.now() + 1.5 * HOUR);
    const report = await readFreshness(t.lake, t.config.project, now);
    assert.deepEqual(report.datasets.map((d) => [d.dataset, d.state, d.lastFile]), [['customers', 'no_sla', 'customers.csv'], ['notes', 'unknown', null], ['orders', 'warn', 'orders.csv']]);
    assert.ok(Math.abs(report.datasets[2]!.ageSeconds! - 5400) <= 2);
    assert.equal(report.state, 'warn');
    assert.equal((await readFreshness(t.lake, t.config.project, new Date(Date.now() + 3 * HOUR))).state, 'error');
  });

  test('GET /api/freshness, and /ready stays 200 with a degraded reason per stale dataset', async () => {
    // An SLA of a second: the orders ingested above are past it by now.
    const file = path.join(t.dir, 'datasets', 'orders.yml');
    const before = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, before.replace(/^freshness: .*$/m, 'freshness: { warn_after: 1s, error_after: 1h }'));
    const config = loadConfig({ DATALAKE_PROJECT: t.dir }, { envFile: false });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const app = await createApp(config);
    try {
      const { get } = await listen(app);
      const r = await get('/api/freshness');
      assert.equal(r.status, 200);
      const body = await json(r);
      assert.equal(body.state, 'warn');
      assert.ok(Date.parse(body.checked_at) > Date.now() - 60_000);
      assert.equal(body.version, (await currentVersion(openObjectStore(config)))!.version, 'the version the ages are of');
      const orders = body.datasets.find((d: { dataset: string }) => d.dataset === 'orders');
      assert.deepEqual({ ...orders, age_seconds: undefined, last_ingested_at: undefined }, {
        dataset: 'orders', state: 'warn', age_seconds: undefined, last_ingested_at: undefined, last_file: 'orders.csv', warn_after: '1s', warn_after_seconds: 1, error_after: '1h', error_after_seconds: 3600,
      });
      assert.ok(orders.age_seconds >= 1);
      const customers = body.datasets.find((d: { dataset: string }) => d.dataset === 'customers');
      assert.deepEqual(Object.keys(customers).sort(), ['age_seconds', 'dataset', 'last_file', 'last_ingested_at', 'state'], 'no SLA: none given');
      assert.deepEqual([customers.state, customers.last_file], ['no_sla', 'customers.csv']);
      assert.deepEqual(body.datasets.find((d: { dataset: string }) => d.dataset === 'notes'), { dataset: 'notes', state: 'unknown', age_seconds: null, last_ingested_at: null, last_file: null, warn_after: '1d', warn_after_seconds: 86400 });
      assert.equal((await get('/api/freshness?x=1')).status, 400);

      const ready = await get('/ready');
      assert.equal(ready.status, 200);
      const readyBody = await json(ready);
      assert.equal(readyBody.status, 'ready');
      const stale = (readyBody.degraded as string[]).filter((l) => l.startsWith('dataset '));
      assert.equal(stale.length, 1, JSON.stringify(readyBody.degraded));
      assert.match(stale[0]!, /^dataset orders: warn, last file \d+s ago \(warn after 1s, error after 1h\)$/);
    } finally {
      await app.close();
      await fs.writeFile(file, before);
    }
  });

  test('doctor: each dataset with its age and state; a warning past warn_after, a problem past error_after', async () => {
    const file = path.join(t.dir, 'datasets', 'orders.yml');
    const before = await fs.readFile(file, 'utf8');
    try {
      const fresh = await runDoctor(loadConfig({ DATALAKE_PROJECT: t.dir }, { envFile: false }));
      const line = (r: Awaited<ReturnType<typeof runDoctor>>) => renderDoctor(r).split('\n').filter((l) => l.includes('freshness'));
      assert.match(line(fresh)[0]!, /^ {2}✔ freshness +customers: no SLA, last file \d+s ago; notes: unknown, no file received yet \(warn after 1d\); orders: ok, last file \d+s ago \(warn after 1h, error after 2h\)$/);
      assert.match(renderDoctor(fresh), /alerts +off \(set ALERT_WEBHOOK_URL/);

      await fs.writeFile(file, before.replace(/^freshness: .*$/m, 'freshness: { warn_after: 1s }'));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const warned = await runDoctor(loadConfig({ DATALAKE_PROJECT: t.dir }, { envFile: false }));
      assert.equal(warned.checks.find((c) => c.area === 'freshness')?.ok, true);
      assert.equal(warned.checks.find((c) => c.area === 'freshness')?.warning, true);
      assert.match(renderDoctor(warned), /(all good|\d+ problem\(s\) found), 1 warning\(s\)$/, 'a warning is said, not counted as a problem');
      assert.match(renderDoctor(warned), /⚠ freshness .*orders: warn, last file \d+s ago \(warn after 1s\)\n +fix: a dataset is past warn_after/);

      await fs.writeFile(file, before.replace(/^freshness: .*$/m, 'freshness: { error_after: 1s }'));
      const late = await runDoctor(loadConfig({ DATALAKE_PROJECT: t.dir }, { envFile: false }));
      assert.equal(late.checks.find((c) => c.area === 'freshness')?.ok, false);
      assert.match(renderDoctor(late), /✖ freshness .*orders: error, last file \d+s ago \(error after 1s\)\n +fix: new files of orders have not arrived: check what exports them to the sources, then run `datalake run`/);
    } finally {
      await fs.writeFile(file, before);
    }
  });
});

describe('freshness alerts', () => {
  let t: Tiny;
  let receiver: Receiver;
  let config: Config;
  let clock = 0;
  before(async () => {
    t = await tinyWithSlas();
    receiver = await startReceiver();
    config = loadConfig({ DATALAKE_PROJECT: t.dir, ALERT_WEBHOOK_URL: receiver.url, ALERT_RETRY_DELAY_MS: '20' }, { envFile: false });
    await t.drop('customers.csv', 'id,name,country\n1,Ann,France\n');
    await t.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-06-01,10.00\n');
    await ingest(t, config);
    clock = Date.now();
  });
  after(async () => {
    await receiver.close();
    await t.cleanup();
  });

  const monitor = (lake: ObjectStore = t.lake) => new FreshnessMonitor(config, lake, { now: () => new Date(clock), log: () => undefined });
  async function check(m: FreshnessMonitor) {
    const result = (await m.check())!;
    await Promise.all(result.alerts.map((a) => a.delivery));
    await settleAlerts();
    return result.alerts.map((a) => `${a.dataset} ${a.event}`);
  }

  test('into warn, into error, and back: one alert per change, none again after a restart; the state kept in the lake', async () => {
    assert.ok(FreshnessMonitor.needed(config));
    const m = monitor();
    assert.deepEqual(await check(m), [], 'fresh, and notes has no file yet: nothing to say');
    clock += 1.5 * HOUR;
    assert.deepEqual(await check(m), ['orders freshness_warn']);
    clock += 10 * 60_000;
    assert.deepEqual(await check(m), [], 'still warn: not every tick');
    assert.deepEqual(await check(monitor()), [], 'a restarted process remembers (runs/_freshness.json)');
    const stored = (await readJson<StoredFreshness>(t.lake, FRESHNESS_STATE))!;
    assert.deepEqual(Object.fromEntries(Object.entries(stored.datasets).map(([d, s]) => [d, s.state])), { notes: 'unknown', orders: 'warn' });
    clock += HOUR;
    assert.deepEqual(await check(m), ['orders freshness_error']);

    // A new file arrives: fresh again.
    await t.drop('orders_2.csv', 'order_id,customer_id,day,amount\n2,1,2026-06-02,12.00\n');
    await ingest(t, config);
    clock = Date.now() + 60_000;
    assert.deepEqual(await check(m), ['orders recovered']);

    const bodies = receiver.received.map((r) => r.body);
    assert.deepEqual(bodies.map((b) => [b.event, b.dataset, b.freshness.state]), [['freshness_warn', 'orders', 'warn'], ['freshness_error', 'orders', 'error'], ['recovered', 'orders', 'ok']]);
    assert.match(bodies[0].text, /^Data Lake tiny: dataset orders is stale: its newest file was ingested 1h30m ago \(warn after 1h, error after 2h\)$/);
    assert.match(bodies[1].text, /^Data Lake tiny: dataset orders is late: its newest file was ingested 2h40m ago/);
    assert.match(bodies[2].text, /^Data Lake tiny: dataset orders is fresh again \(was error\): its newest file was ingested 1m ago/);
    assert.deepEqual({ ...bodies[0].freshness, age_seconds: undefined, last_ingested_at: undefined }, { state: 'warn', age_seconds: undefined, last_ingested_at: undefined, warn_after: 3600, error_after: 7200, previous: 'ok' });
  });

  test('ALERT_EVENTS filters freshness alerts too; the state still moves', async () => {
    receiver.received.length = 0;
    const quiet = loadConfig({ DATALAKE_PROJECT: t.dir, ALERT_WEBHOOK_URL: receiver.url, ALERT_EVENTS: 'freshness_error' }, { envFile: false });
    const m = new FreshnessMonitor(quiet, t.lake, { now: () => new Date(clock), log: () => undefined });
    clock += 1.5 * HOUR;
    const result = (await m.check())!;
    assert.deepEqual(result.alerts.map((a) => [a.event, a.delivery]), [['freshness_warn', undefined]]);
    await settleAlerts();
    assert.equal(receiver.received.length, 0);
    assert.equal((await readJson<StoredFreshness>(t.lake, FRESHNESS_STATE))!.datasets['orders']!.state, 'warn');
  });

  test('with a lock held elsewhere (another worker), nothing is evaluated', async () => {
    const m = new FreshnessMonitor(config, t.lake, { now: () => new Date(clock), lock: async () => false });
    assert.equal(await m.check(), undefined);
  });
});

describe('freshness alerts with Redis: one worker evaluates', () => {
  test('the worker holding the lock evaluates and renews it; another takes over once it lapses', async (t) => {
    const redis = await startTestRedis();
    if (!redis) return t.skip('no redis-server');
    const queues = [new Queue('freshness-lock-a', { connection: { url: redis.url } }), new Queue('freshness-lock-b', { connection: { url: redis.url } })];
    try {
      const [a, b] = await Promise.all(queues.map(async (q, i) => freshnessLock(await q.getBackend().client, 'test-freshness-lock', `worker-${i}`, 400)));
      assert.equal(await a!(), true);
      assert.equal(await b!(), false);
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(await a!(), true, 'renewed by its holder');
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(await b!(), false, 'still held: the renewal counts from its own time');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await b!(), true, 'lapsed: another takes it');
      assert.equal(await a!(), false);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      await redis.stop();
    }
  });
});
