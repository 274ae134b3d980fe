import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { openObjectStore, type ObjectStore } from '../src/lake/index.js';
import type { ProgressSink } from '../src/pipeline/context.js';
import { runPipeline } from './support/run.js';
import { openServingStore } from '../src/serving/index.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { computeOracle } from './support/oracle.js';
import { startS3Server, S3RVER_KEYS } from './support/s3.js';

async function hashes(lake: ObjectStore, bucket: 'silver' | 'gold'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const o of await lake.list(bucket)) out[o.key] = createHash('sha256').update((await lake.getBytes(bucket, o.key))!).digest('hex');
  return out;
}

async function caParPays(config: Config) {
  const serving = openServingStore(config);
  try {
    return await serving.read('kpi_ca_par_pays');
  } finally {
    await serving.close();
  }
}

describe('faults', () => {
  test('the S3 server stops in the middle of a run: a clear failure, nothing half-written, and a rerun completes', async () => {
    let s3 = await startS3Server();
    const { port, directory } = s3;
    const { config } = await tempConfig({ MINIO_ENDPOINT: s3.endpoint, ...S3RVER_KEYS, MINIO_MAX_ATTEMPTS: '2' });
    try {
      await generate({ outDir: config.sourcesDir, clients: 100, achats: 3000, seed: 1, asOf: FIXED_DAY });
      assert.equal((await runPipeline({ config })).error, undefined);
      const lake = openObjectStore(config);
      const goldBefore = await hashes(lake, 'gold');
      const kpisBefore = await caParPays(config);

      // New sources, and the server goes away as soon as gold starts computing.
      await generate({ outDir: config.sourcesDir, clients: 100, achats: 3500, seed: 2, asOf: FIXED_DAY });
      let stopped: Promise<void> | undefined;
      const killer: ProgressSink = {
        begin: (stage) => {
          if (stage === 'gold' && !stopped) stopped = s3.close({ keepData: true });
        },
        update: () => undefined,
        end: () => undefined,
      };
      const { summary, error } = await runPipeline({ config, progress: killer });
      await stopped;
      assert.equal(summary.state, 'failed');
      assert.equal(summary.error?.stage, 'gold');
      assert.match((error as Error).message, /^cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);

      s3 = await startS3Server({ port, directory });
      // Gold is exactly the previous, complete set; the serving store still has the previous KPIs.
      assert.deepEqual(await hashes(lake, 'gold'), goldBefore);
      assert.deepEqual(await caParPays(config), kpisBefore);

      const rerun = await runPipeline({ config });
      assert.equal(rerun.error, undefined, String(rerun.error));
      const oracle = await computeOracle(path.join(config.sourcesDir, 'clients.csv'), path.join(config.sourcesDir, 'achats.csv'));
      const rows = (await caParPays(config))!;
      assert.equal(rows.reduce((n, r) => n + (r['nb_achats'] as number), 0), 3500);
      for (const r of rows) assert.equal(r['nb_achats'], oracle.caParPays.get(r['pays'] as string)!.nb);
    } finally {
      await s3.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    }
  });

  test('the serving store is unreachable at publish: gold stays, and publish can be retried alone', async () => {
    const { config: base, env } = await tempConfig();
    const { loadConfig } = await import('../src/config.js');
    const unreachable = loadConfig({ ...env, MONGO_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300' });
    try {
      await generate({ outDir: base.sourcesDir, clients: 60, achats: 1000, seed: 3, asOf: FIXED_DAY });
      const { summary, error } = await runPipeline({ config: unreachable });
      assert.equal(summary.state, 'failed');
      assert.deepEqual(summary.stages.map((s) => s.stage), ['bronze', 'silver', 'gold', 'commit']);
      // The lake committed version 1; the store is behind it until a publish succeeds.
      assert.equal(summary.error?.stage, 'publish');
      assert.match((error as Error).message, /^cannot reach the serving store mongodb mongodb:\/\/127\.0\.0\.1:9 \(database datalake\)/);
      const gold = (await openObjectStore(base).list('gold')).map((o) => o.key);
      assert.deepEqual(gold.filter((k) => !/^(fact_achats|ventes_\w+)\//.test(k)).length, 12, 'gold is complete');
      assert.ok(gold.some((k) => k.startsWith('fact_achats/month=')), 'gold is complete');

      const retry = await runPipeline({ config: base, stages: ['publish'] });
      assert.equal(retry.error, undefined);
      assert.equal(retry.summary.flow, 'publish_flow');
      assert.equal((await caParPays(base))!.reduce((n, r) => n + (r['nb_achats'] as number), 0), 1000);
    } finally {
      await fs.rm(base.dataDir, { recursive: true, force: true });
    }
  });
});
