import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import { generate } from '../generate/generator.js';
import { openObjectStore } from '../lake/index.js';
import { openServingStore, type ServingStore } from '../serving/index.js';
import { FIXED_DAY, tempConfig } from '../../test/support/env.js';
import { runFlow } from './run-flow.js';
import { LakeBusyError, LakeLock } from './lock.js';
import { readRun } from './record.js';

/** The serving store, down for the first `failures` publishes. */
function flakyServing(config: Config, failures: number): ServingStore {
  const real = openServingStore(config);
  let calls = 0;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'publish') {
        return async (...args: Parameters<ServingStore['publish']>) => {
          if (++calls <= failures) throw new ServiceError('cannot reach the serving store (injected)');
          return target.publish(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('flows: records, retries, the lake lock, cancellation', () => {
  let config: Config;
  before(async () => {
    ({ config } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 40, achats: 400, seed: 5, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('a transient failure is retried with backoff and the run completes; every attempt is recorded', async () => {
    const serving = flakyServing(config, 2);
    try {
      const { summary, error } = await runFlow({ config, flow: 'pipeline', serving });
      assert.equal(error, undefined, String(error));
      assert.equal(summary.state, 'completed');
      const publish = summary.tasks.find((t) => t.name === 'publish')!;
      assert.deepEqual(publish.attempts.map((a) => [a.attempt, a.state, a.retried ?? false]), [[1, 'failed', true], [2, 'failed', true], [3, 'completed', false]]);
      assert.match(publish.attempts[0]!.error!, /injected/);
      // The second wait is twice the first (50 ms, then 100 ms).
      const gap = (i: number) => Date.parse(publish.attempts[i + 1]!.startedAt) - Date.parse(publish.attempts[i]!.endedAt!);
      assert.ok(gap(0) >= 45 && gap(1) >= 95, `backoff ${gap(0)} ms then ${gap(1)} ms`);
      assert.equal(summary.logs.filter((l) => l.level === 'warn' && l.task === 'publish').length, 2);
      const stored = await readRun(openObjectStore(config), summary.runId);
      assert.deepEqual(stored?.tasks.filter((t) => !t.parent).map((t) => t.state), ['completed', 'completed', 'completed', 'completed', 'completed']);
    } finally {
      await serving.close();
    }
  });

  test('a data error fails at once, without a retry', async () => {
    const file = `${config.sourcesDir}/achats_bad.csv`;
    await fs.writeFile(file, ''); // an empty file: with strict, bronze refuses it
    try {
      const { summary, error } = await runFlow({ config, flow: 'bronze_ingestion_flow', strict: true });
      assert.ok(error);
      assert.equal(summary.state, 'failed');
      assert.equal(summary.tasks[0]!.attempts.length, 1);
      assert.equal(summary.error?.task, 'bronze');
    } finally {
      await fs.rm(file);
    }
  });

  test('two triggers at once: the second is refused with who holds the lake, or waits its turn with --wait', async () => {
    const first = runFlow({ config, flow: 'gold_ingestion_flow', fullRefresh: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const refused = await runFlow({ config, flow: 'publish_flow' });
    assert.ok(refused.error instanceof LakeBusyError, String(refused.error));
    assert.match((refused.error as Error).message, /another run is writing this lake: gold_ingestion_flow/);

    const waiting = runFlow({ config, flow: 'gold_ingestion_flow', fullRefresh: true, waitMs: 60_000, lock: { pollMs: 20 } });
    const [a, b] = await Promise.all([first, waiting]);
    assert.equal(a.error, undefined);
    assert.equal(b.error, undefined);
    assert.ok(Date.parse(b.summary.tasks[0]!.attempts[0]!.startedAt) >= Date.parse(a.summary.endedAt!), 'the second writer started after the first ended');
  });

  test('the lock of a process that died is taken over at once, and its run is marked failed', async () => {
    const lake = openObjectStore(config);
    const now = new Date().toISOString();
    const deadRun = { runId: '20261128T000000.000Z-dead00', flow: 'pipeline', state: 'running', tasks: [{ name: 'bronze', state: 'running', attempts: [] }] };
    await lake.putBytes('runs', `${deadRun.runId}.json`, JSON.stringify(deadRun));
    // A pid that is not running on this machine.
    const lock = { runId: deadRun.runId, flow: 'pipeline', owner: 'x', host: os.hostname(), pid: 2 ** 22 + 17, acquiredAt: now, heartbeatAt: now };
    await lake.putBytes('runs', '_lock.json', JSON.stringify(lock));
    // What the killed run, a killed server and a worker's shard of it left in the scratch space; and a live server's.
    const scratch = (name: string) => path.join(config.scratchDir, name);
    for (const d of [deadRun.runId, `${deadRun.runId}-shard-7-1`, `server-${2 ** 22 + 17}`, `server-${process.pid}`, '20261128T000000.000Z-other0']) {
      await fs.mkdir(path.join(scratch(d), 'duckdb-spill'), { recursive: true });
      await fs.writeFile(path.join(scratch(d), 'duckdb-spill', 'x.tmp'), 'x'.repeat(1000));
    }
    const { summary, error } = await runFlow({ config, flow: 'publish_flow' });
    assert.equal(error, undefined, String(error));
    assert.ok(summary.logs.some((l) => /took over the lake from run 20261128T000000\.000Z-dead00/.test(l.message)));
    const left = (await fs.readdir(config.scratchDir)).sort();
    assert.deepEqual(left, ['20261128T000000.000Z-other0', `server-${process.pid}`], 'the dead run, its shard and the dead server are gone; a run this lake does not know, and a live server, stay');
    assert.ok(summary.logs.some((l) => /removed the scratch space of 3 run\(s\) or process\(es\) no longer alive/.test(l.message)));
    const dead = await readRun(lake, deadRun.runId);
    assert.equal(dead?.state, 'failed');
    assert.match(dead!.error!.message, /interrupted/);
    assert.equal(await LakeLock.read(lake), undefined, 'released at the end');
  });

  test('cancelling stops before the next task and records the run as cancelled', async () => {
    const cancel = new AbortController();
    const { summary, error } = await runFlow({
      config,
      flow: 'pipeline',
      fullRefresh: true,
      signal: cancel.signal,
      progress: { begin: (stage) => stage === 'silver' && cancel.abort(), update: () => undefined, end: () => undefined },
    });
    assert.equal(error, undefined);
    assert.equal(summary.state, 'cancelled');
    assert.deepEqual(summary.tasks.filter((t) => !t.parent).slice(1).map((t) => t.state), ['completed', 'cancelled', 'cancelled', 'cancelled']);
    assert.deepEqual(summary.tasks.filter((t) => !t.parent).slice(2).map((t) => t.attempts.length), [0, 0, 0]);
  });
});
