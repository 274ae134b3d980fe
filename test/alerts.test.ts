import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../src/config.js';
import { renderDoctor, runDoctor } from '../src/cli/doctor.js';
import { readRun } from '../src/flows/record.js';
import { runFlow } from '../src/flows/run-flow.js';
import { ALERTS_PREFIX, openObjectStore, readJson, type ObjectStore } from '../src/lake/index.js';
import { Alerter, outsideText, type AlertDelivery } from '../src/ops/alerts.js';
import { settleAlerts } from '../src/ops/pending.js';
import { tinyProject, type Tiny } from './support/tiny.js';
import { downUrl, startReceiver, type Receiver } from './support/webhook.js';

// Alerts through a local incoming webhook (node:http): what a run's end sends, what is recorded in the
// run and in the alerts log, the masking, ALERT_EVENTS, retries, a receiver that is down, recovery.

const SECRET = 'secret-token-xyz';
const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));

/** The tiny project, its customers' names personal (a failure quoting a line must not send it). */
const PERSONAL = {
  'datasets/customers.yml': `files: "customers*.csv"
key: id
columns:
  id: { type: integer, required: true }
  name: { type: text, required: true, personal: true }
  country: text
`,
};

let tiny: Tiny;
before(async () => {
  tiny = await tinyProject(PERSONAL);
});
after(async () => tiny.cleanup());

/** The tiny project's config with these alert settings (retries fast). */
function alerting(url: string, extra: Record<string, string> = {}): Config {
  return loadConfig({ DATALAKE_PROJECT: tiny.dir, DUCKDB_THREADS: '1', ALERT_WEBHOOK_URL: url, ALERT_RETRY_DELAY_MS: '20', ALERT_TIMEOUT_MS: '2000', ...extra }, { envFile: false });
}

/** A run of bronze that fails at once: a customers file without its header, refused with --strict. */
async function failingRun(config: Config) {
  await tiny.drop('customers.csv', '7,Eve Secret,France\n8,Bob,Spain\n');
  return runFlow({ config, lake: tiny.lake, flow: 'bronze_ingestion_flow', strict: true });
}

/** The same flow, the file fixed: it completes. */
async function fixedRun(config: Config, n = 1) {
  await tiny.drop('customers.csv', `id,name,country\n7,Eve,France\n${n},X,Spain\n`);
  return runFlow({ config, lake: tiny.lake, flow: 'bronze_ingestion_flow', strict: true });
}

async function alertLog(lake: ObjectStore): Promise<(AlertDelivery & { text: string })[]> {
  const keys = (await lake.list('runs', ALERTS_PREFIX)).map((o) => o.key).sort();
  return Promise.all(keys.map(async (key) => (await readJson<AlertDelivery & { text: string }>(lake, { bucket: 'runs', key }))!));
}

async function clearAlertLog(lake: ObjectStore): Promise<void> {
  for (const o of await lake.list('runs', ALERTS_PREFIX)) await lake.delete('runs', o.key);
}

describe('alerts', () => {
  let receiver: Receiver;
  before(async () => (receiver = await startReceiver()));
  /** The run recorded one delivery of `event`, at the first attempt, and the alerts log holds it with `text`. Returns the record. */
  const assertOneDelivery = async (lake: ObjectStore, runId: string, event: string, text: string) => {
    const record = (await readRun(lake, runId))!;
    assert.equal(record.alerts?.length, 1);
    const delivery = record.alerts![0]!;
    assert.deepEqual(
      { event: delivery.event, status: delivery.status, attempts: delivery.attempts, httpStatus: delivery.httpStatus, target: delivery.target, runId: delivery.runId },
      { event, status: 'delivered', attempts: 1, httpStatus: 200, target: `${new URL(receiver.url).origin}/***`, runId },
    );
    const log = await alertLog(lake);
    assert.equal(log.length, 1);
    assert.equal(log[0]!.event, event);
    assert.equal(log[0]!.text, text);
    assert.equal(log[0]!.status, 'delivered');
    // The webhook's path is its secret: never in a record, a log or a message.
    assert.doesNotMatch(JSON.stringify(record) + JSON.stringify(log), new RegExp(`${SECRET}|/hooks/`));
    return record;
  };
  after(async () => receiver.close());

  test('a failed run: one JSON POST with a text Slack shows as is, the delivery recorded in the run and the alerts log, no secret anywhere', async () => {
    await clearAlertLog(tiny.lake);
    const config = alerting(receiver.url);
    const { summary } = await failingRun(config);
    assert.equal(summary.state, 'failed');
    await settleAlerts();
    const [got] = await receiver.waitFor(1);
    assert.equal(receiver.received.length, 1);
    assert.equal(got!.path, `/hooks/T000/B000/${SECRET}`, 'posted to the webhook itself');
    assert.equal(got!.contentType, 'application/json');
    assert.equal(got!.body.event, 'run_failed');
    assert.equal(got!.body.project, 'tiny');
    assert.equal(typeof got!.body.text, 'string');
    assert.match(got!.body.text, new RegExp(`^Data Lake tiny: run ${summary.runId} \\(bronze_ingestion_flow\\) failed in task bronze: customers\\.csv: missing columns id, name \\(the header has: \\*\\*\\*\\) \\(is that line a row or a title\\? the first line must name the columns\\)$`));
    assert.deepEqual(got!.body.run, { id: summary.runId, flow: 'bronze_ingestion_flow', state: 'failed', task: 'bronze', error: 'customers.csv: missing columns id, name (the header has: ***) (is that line a row or a title? the first line must name the columns)' });
    assert.doesNotMatch(JSON.stringify(got!.body), /Eve Secret/, 'the quoted line of a dataset with personal data never leaves');

    await assertOneDelivery(tiny.lake, summary.runId, 'run_failed', got!.body.text);
  });

  test('a failed audit: one audit_failed POST naming the table and its failed check, the delivery recorded in the run and the alerts log', async () => {
    // A project of its own, its fact audited: a customer with no country fails not_null(country).
    const audited = await tinyProject({ ...PERSONAL, 'models/fact_orders.yml': 'description: Orders with their country.\npartitioned_by: orders\ntests:\n  - not_null: country\n' });
    try {
      await audited.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,\n');
      await audited.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-01-05,1.00\n2,2,2026-01-06,2.00\n');
      receiver.received.length = 0;
      const config = alerting(receiver.url, { DATALAKE_PROJECT: audited.dir });
      const { summary } = await runFlow({ config, lake: audited.lake, flow: 'pipeline' });
      assert.equal(summary.state, 'audit_failed');
      await settleAlerts();
      const [got] = await receiver.waitFor(1);
      assert.equal(receiver.received.length, 1);
      assert.equal(got!.path, `/hooks/T000/B000/${SECRET}`);
      assert.equal(got!.contentType, 'application/json');
      assert.equal(got!.body.event, 'audit_failed');
      assert.equal(got!.body.project, 'tiny');
      assert.equal(
        got!.body.text,
        `Data Lake tiny: run ${summary.runId} (pipeline) failed its audit (fact_orders not_null(country)): nothing was committed; \`datalake publish --approve ${summary.runId}\` commits it anyway`,
      );
      assert.deepEqual(got!.body.run, {
        id: summary.runId,
        flow: 'pipeline',
        state: 'audit_failed',
        task: 'commit',
        error: 'audit failed, nothing committed: fact_orders: not_null(country): 1 of 2 rows have no country',
      });
      assert.doesNotMatch(JSON.stringify(got!.body), /Bob/, 'no personal data');

      const record = await assertOneDelivery(audited.lake, summary.runId, 'audit_failed', got!.body.text);
      assert.deepEqual(record.audit?.map((a) => [a.table, a.check]), [['fact_orders', 'not_null(country)']]);
    } finally {
      await audited.cleanup();
    }
  });

  test('text from elsewhere is masked: no password of a URL, no local path, no quoted personal data', () => {
    const text = outsideText(tiny.config.project, 'customers_2.csv: cannot reach mongodb://admin:pw-value@db:27017 while reading /home/me/data/lake/bronze/x.csv: "Eve Secret"');
    assert.doesNotMatch(text, /pw-value|\/home\/me|Eve Secret/);
    assert.match(text, /mongodb:\/\/admin:\*\*\*@db:27017/);
    assert.match(text, /<path>/);
  });

  test('ALERT_EVENTS: an event not named is not sent nor recorded', async () => {
    receiver.received.length = 0;
    const config = alerting(receiver.url, { ALERT_EVENTS: 'audit_failed,freshness_error' });
    const { summary } = await failingRun(config);
    assert.equal(summary.state, 'failed');
    await settleAlerts();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(receiver.received.length, 0);
    assert.equal((await readRun(tiny.lake, summary.runId))!.alerts, undefined);
    await fixedRun(alerting(receiver.url), 2); // back to a completed state for the next tests
    await settleAlerts();
  });

  test('recovered: a run that completes after the previous run of its flow failed, once', async () => {
    const config = alerting(receiver.url);
    await failingRun(config);
    await settleAlerts();
    receiver.received.length = 0;
    const fixed = await fixedRun(config, 3);
    assert.equal(fixed.summary.state, 'completed');
    const again = await fixedRun(config, 4);
    await settleAlerts();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(receiver.received.map((r) => r.body.event), ['recovered']);
    const body = receiver.received[0]!.body;
    assert.equal(body.run.id, fixed.summary.runId);
    assert.match(body.text, /^Data Lake tiny: run \S+ \(bronze_ingestion_flow\) completed; the previous bronze_ingestion_flow run \(\S+\) had failed$/);
    assert.equal((await readRun(tiny.lake, fixed.summary.runId))!.alerts?.[0]?.event, 'recovered');
    assert.equal((await readRun(tiny.lake, again.summary.runId))!.alerts, undefined);
  });

  test('retries with backoff: a receiver answering 500 twice, then 200, gets the alert on the third attempt; a 404 is not retried', async () => {
    const flaky = await startReceiver({ statuses: [500, 503] });
    try {
      const config = alerting(flaky.url);
      const { summary } = await failingRun(config);
      await settleAlerts();
      const got = await flaky.waitFor(3);
      assert.equal(got.length, 3);
      assert.ok(got[1]!.at - got[0]!.at >= 18 && got[2]!.at - got[1]!.at >= 38, `waits ${got[1]!.at - got[0]!.at} ms then ${got[2]!.at - got[1]!.at} ms`);
      const delivery = (await readRun(tiny.lake, summary.runId))!.alerts![0]!;
      assert.deepEqual([delivery.status, delivery.attempts, delivery.httpStatus, delivery.error], ['delivered', 3, 200, undefined]);
    } finally {
      await flaky.close();
    }
    const refusing = await startReceiver({ statuses: [404, 404] });
    try {
      const { summary } = await failingRun(alerting(refusing.url));
      await settleAlerts();
      const delivery = (await readRun(tiny.lake, summary.runId))!.alerts![0]!;
      assert.deepEqual([delivery.status, delivery.attempts, delivery.httpStatus, delivery.error], ['failed', 1, 404, 'HTTP 404 Not Found']);
      assert.equal(refusing.received.length, 1);
    } finally {
      await refusing.close();
    }
  });

  test('a receiver that is down: the run ends as it would, at once; the delivery is recorded as failed after every attempt', async () => {
    const config = alerting(await downUrl(), { ALERT_RETRIES: '2', ALERT_RETRY_DELAY_MS: '300' });
    const started = Date.now();
    const { summary } = await failingRun(config);
    const returned = Date.now();
    assert.equal(summary.state, 'failed');
    assert.equal(summary.error?.task, 'bronze');
    assert.equal(summary.alerts, undefined, 'the run did not wait for its alert');
    await settleAlerts();
    const settled = Date.now();
    // Two waits of 300 and 600 ms between the three attempts: the run returned long before.
    assert.ok(settled - returned >= 850, `the delivery took ${settled - returned} ms after the run returned (run: ${returned - started} ms)`);
    const delivery = (await readRun(tiny.lake, summary.runId))!.alerts![0]!;
    assert.equal(delivery.status, 'failed');
    assert.equal(delivery.attempts, 3);
    assert.match(delivery.error!, /^cannot reach the webhook \(ECONNREFUSED\)$/);
    const log = (await alertLog(tiny.lake)).filter((a) => a.runId === summary.runId);
    assert.deepEqual(log.map((a) => [a.status, a.attempts]), [['failed', 3]]);
    assert.doesNotMatch(JSON.stringify(delivery), new RegExp(SECRET));
  });

  test('a process that stops waiting abandons what is in flight, recorded as failed', async () => {
    const silent = await startReceiver({ hang: true });
    try {
      const config = alerting(silent.url, { ALERT_TIMEOUT_MS: '10000' });
      const lake = openObjectStore(config);
      const delivery = new Alerter(config, lake).send({ event: 'freshness_warn', dataset: 'orders', text: 'orders is stale' })!;
      await silent.waitFor(1);
      const started = Date.now();
      assert.equal(await settleAlerts(200), 1);
      assert.ok(Date.now() - started < 2000);
      const d = await delivery;
      assert.deepEqual([d.status, d.attempts, d.error], ['failed', 1, 'abandoned: the process was exiting']);
      assert.equal((await alertLog(lake)).at(-1)!.error, 'abandoned: the process was exiting');
    } finally {
      await silent.close();
    }
  });

  test('doctor: where alerts go (masked), on what, and the last delivery; one not delivered is a warning', async () => {
    const config = alerting(receiver.url, { ALERT_EVENTS: 'run_failed,recovered' });
    const result = await runDoctor(config);
    const text = renderDoctor(result);
    assert.doesNotMatch(text + JSON.stringify(result), new RegExp(SECRET));
    assert.match(text, new RegExp(`alerts +webhook ${new URL(receiver.url).origin.replace(/\./g, '\\.')}/\\*\\*\\* on run_failed, recovered; freshness checked every 60 s by \`datalake serve\``));
    // The last delivery of the log is the abandoned one above.
    assert.match(text, /⚠ alerts +last: freshness_warn \(orders\) at \S+, failed after 1 attempt\(s\): abandoned: the process was exiting\n +fix: check ALERT_WEBHOOK_URL/);
  });

  test('the CLI waits for the alert of its run before it exits', async () => {
    receiver.received.length = 0;
    await tiny.drop('customers.csv', '9,Eve Secret,France\n');
    const env = { PATH: process.env['PATH'] ?? '', DATALAKE_PROJECT: tiny.dir, DUCKDB_THREADS: '1', ALERT_WEBHOOK_URL: receiver.url, ALERT_EVENTS: 'run_failed' };
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'bronze', '--strict', '--json'], { env }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
    );
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
    const runId = JSON.parse(r.stdout).runId as string;
    // Delivered and recorded by the time the process exited.
    assert.deepEqual(receiver.received.map((x) => [x.body.event, x.body.run.id]), [['run_failed', runId]]);
    assert.equal((await readRun(tiny.lake, runId))!.alerts?.[0]?.status, 'delivered');
  });
});
