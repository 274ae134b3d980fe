import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UnrecoverableError, type Job } from 'bullmq';
import { loadConfig } from '../src/config.js';
import { shardDefinitions } from '../src/flows/definitions-now.js';
import { followRun, submitRun } from '../src/flows/queue/index.js';
import { openObjectStore } from '../src/lake/index.js';
import type { ShardJob } from '../src/flows/queue/connection.js';
import { processShard } from '../src/flows/queue/shard-worker.js';
import { runCli } from './support/cli.js';
import { redisOrSkip, type TestRedis } from './support/redis.js';
import { ORDER_COUNT_KPI, tinyProject, type Tiny } from './support/tiny.js';
import { startWorker, type TestWorker } from './support/worker.js';

// A worker lives on while the user edits the definitions: each run takes them as they are when it
// starts, as a run from the terminal does, and a shard never builds with other SQL than its run's.

const redis: TestRedis | undefined = await redisOrSkip();
after(async () => {
  await redis?.stop();
});

describe('distributed mode: definitions edited while a worker runs', { skip: redis ? false : 'redis-server is not installed' }, () => {
  let tiny: Tiny;
  let env: Record<string, string>;
  let worker: TestWorker;
  before(async () => {
    tiny = await tinyProject();
    env = { DATALAKE_PROJECT: tiny.dir, REDIS_URL: redis!.url, DUCKDB_THREADS: '1', TASK_RETRY_DELAY_MS: '50' };
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,FR\n2,Bob,DE\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n11,2,2026-02-01,7.00\n12,2,2026-02-03,1.00\n');
    worker = await startWorker(env);
  });
  after(async () => {
    worker.child.kill('SIGKILL');
    await tiny.cleanup();
  });

  test('a KPI file added after the worker started is built and published by the next run', async () => {
    const first = await runCli(['run'], env);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /queued on Redis/);

    await fs.writeFile(path.join(tiny.dir, 'kpis', 'order_count.yml'), ORDER_COUNT_KPI);
    const second = await runCli(['run'], env);
    assert.equal(second.code, 0, second.stderr + second.stdout + worker.output());
    const shown = await runCli(['show', 'order_count', '--json'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).rows, [{ n: 3 }]);
  });

  test('a run queued while the definitions do not load (a file broken after it was submitted): its record fails saying why, not left scheduled', async () => {
    const kpi = path.join(tiny.dir, 'kpis', 'order_count.yml');
    const before = await fs.readFile(kpi, 'utf8');
    const config = loadConfig(env);
    await fs.writeFile(kpi, 'title: [unclosed\n');
    try {
      const lake = openObjectStore(config);
      const runId = await submitRun(config, { flow: 'pipeline', fullRefresh: false, trigger: 'cli' }, lake);
      const ended = await Promise.race([followRun(lake, runId, () => undefined), new Promise<undefined>((resolve) => setTimeout(resolve, 20_000, undefined))]);
      assert.ok(ended, 'the record ended within 20 s');
      assert.equal(ended.state, 'failed');
      assert.match(ended.error?.message ?? '', /^not started: the definitions do not load: .*kpis\/order_count\.yml/);
      assert.match(ended.error?.hint ?? '', /datalake check/);
    } finally {
      await fs.writeFile(kpi, before);
    }
  });

  test('a model changed after the worker started: its gold shards build with the new SQL', async () => {
    const model = path.join(tiny.dir, 'models', 'fact_orders.sql');
    await fs.writeFile(model, (await fs.readFile(model, 'utf8')).replace('o.amount,', '(o.amount * 2) AS amount,'));
    const r = await runCli(['run'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout + worker.output());
    const shown = JSON.parse((await runCli(['show', 'revenue_by_country', '--json'], env)).stdout) as { rows: { country: string; revenue: number }[] };
    assert.deepEqual(shown.rows.map((row) => [row.country, row.revenue]), [['DE', 16], ['FR', 25]]);
  });
});

describe('a shard whose worker has other definitions than its run', () => {
  test('is refused for good, saying the datasets or models changed since the run started', async () => {
    const tiny = await tinyProject();
    try {
      const config = loadConfig({ DATALAKE_PROJECT: tiny.dir, DUCKDB_THREADS: '1' });
      const definitions = shardDefinitions(config.project);
      const model = path.join(tiny.dir, 'models', 'fact_orders.sql');
      await fs.writeFile(model, `${await fs.readFile(model, 'utf8')}WHERE o.amount > 0\n`);
      const data: ShardJob = { runId: 'R1', kind: 'gold.partition', label: 'fact_orders month=2026-01', input: {}, bucket: 'gold', staging: 'gold/_staging/R1/', definitions };
      const job = { id: '1', attemptsStarted: 1, data } as unknown as Job<ShardJob>;
      await assert.rejects(processShard(config, tiny.lake, job), (err: unknown) => {
        assert.ok(err instanceof UnrecoverableError, 'not retried: another attempt would read the same files');
        assert.match(err.message, /^the datasets or models changed since run R1 started: its shard would be built from other definitions than the run's\nhint: run it again/);
        return true;
      });
    } finally {
      await tiny.cleanup();
    }
  });
});
