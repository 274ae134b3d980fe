import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import { NotResumableError } from '../src/flows/resume.js';
import { resumeFlow, type FlowOptions } from '../src/flows/run-flow.js';
import { readRun, type RunRecord, type TaskRecord } from '../src/flows/record.js';
import { generate } from '../src/generate/generator.js';
import { currentVersion, openObjectStore, type ObjectStore } from '../src/lake/index.js';
import { readStates } from '../src/pipeline/states.js';
import { FIXED_DAY, tempConfig, tempShopProject } from './support/env.js';
import { runPipeline } from './support/run.js';
import { publishedKpis } from './support/kpi.js';

// `datalake run --resume` in-process: a run that failed (a failpoint throws, src/failpoints.ts) or was
// cancelled continues under its id from its failed task, reusing what it finished; a run whose inputs
// changed refuses. The CLI and the API are tested in test/cli.test.ts and test/api/keys.test.ts, workers
// in test/distributed.test.ts.

/** Runs with DATALAKE_FAILPOINT set in this process (failpoints read it when they are reached). */
async function failingAt<T>(failpoint: string, fn: () => Promise<T>): Promise<T> {
  process.env['DATALAKE_FAILPOINT'] = failpoint;
  try {
    return await fn();
  } finally {
    delete process.env['DATALAKE_FAILPOINT'];
  }
}

/** The KPIs an uninterrupted run publishes from the same sources, in a lake of its own. */
async function uninterrupted(config: Config): Promise<Record<string, unknown>> {
  const { config: fresh } = await tempConfig();
  try {
    await fs.cp(config.sourcesDir, fresh.sourcesDir, { recursive: true });
    const { error } = await runPipeline({ config: fresh });
    assert.equal(error, undefined, String(error));
    return await publishedKpis(fresh);
  } finally {
    await fs.rm(fresh.dataDir, { recursive: true, force: true });
  }
}

const task = (r: RunRecord, name: string): TaskRecord => r.tasks.find((t) => t.name === name) ?? assert.fail(`no task ${name} in ${r.tasks.map((t) => t.name).join(', ')}`);
const shardsOf = (r: RunRecord, parent: string) => r.tasks.filter((t) => t.parent === parent);
const keys = async (lake: ObjectStore, bucket: 'runs' | 'silver' | 'gold', prefix?: string) => (await lake.list(bucket, prefix)).map((o) => o.key);

function resume(config: Config, runId: string, extra: Partial<FlowOptions> = {}) {
  return resumeFlow({ config, resume: runId, ...extra });
}

describe('resume: a run that failed in gold continues from gold', () => {
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    ({ config } = await tempConfig());
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 120, achats: 4000, seed: 11, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('silver is reused (same objects, not rewritten), gold is redone, the version is committed with the KPIs of an uninterrupted run', async () => {
    const failed = await failingAt('throw:task:gold', () => runPipeline({ config }));
    assert.equal(failed.summary.state, 'failed');
    assert.equal(failed.summary.error?.task, 'gold');
    assert.match(failed.summary.error!.message, /injected failure at failpoint task:gold/);
    const runId = failed.summary.runId;
    assert.equal(await currentVersion(lake), undefined, 'nothing committed');
    // What a resume needs is in the lake, under keys of the run.
    assert.deepEqual(await keys(lake, 'runs', `_resume/${runId}/`), [`_resume/${runId}/run.json`]);
    const silverState = `_state/${runId}.json`;
    assert.ok((await keys(lake, 'silver')).includes(silverState));
    const silverObjects = Object.fromEntries((await lake.list('silver')).filter((o) => o.key.includes(runId)).map((o) => [o.key, o.modified.getTime()]));
    assert.ok(Object.keys(silverObjects).length > 2);

    const { summary, error } = await resume(config, runId);
    assert.equal(error, undefined, String(error));
    assert.equal(summary.runId, runId, 'the same run');
    assert.equal(summary.state, 'completed');
    assert.deepEqual(task(summary, 'silver').attempts.map((a) => a.state), ['completed'], 'silver was not run again');
    assert.deepEqual(task(summary, 'bronze').attempts.map((a) => a.state), ['completed']);
    assert.deepEqual(task(summary, 'gold').attempts.map((a) => [a.attempt, a.state]), [[1, 'failed'], [2, 'completed']], 'the attempts of gold continue');
    assert.deepEqual(summary.tasks.filter((t) => !t.parent).map((t) => t.state), ['completed', 'completed', 'completed', 'completed', 'completed']);
    assert.deepEqual(summary.stages.map((s) => s.stage), ['bronze', 'silver', 'gold', 'commit', 'publish']);
    assert.equal(summary.resumes?.length, 1);
    assert.deepEqual({ from: summary.resumes![0]!.from, reused: summary.resumes![0]!.reused, previous: summary.resumes![0]!.previousState }, { from: 'gold', reused: ['bronze', 'silver'], previous: 'failed' });
    assert.ok(summary.logs.some((l) => /^resumed by pid \d+ on .+ from task gold \(bronze, silver reused from the earlier attempt\)$/.test(l.message)), summary.logs.map((l) => l.message).join('\n'));
    assert.ok(summary.logs.some((l) => l.task === 'silver' && /reused, not done again/.test(l.message)));
    assert.ok(summary.logs.some((l) => /injected failure/.test(l.message)), 'the log of the failed attempt is kept');

    // The version is the run's, and names the silver objects its first attempt wrote (same keys, not rewritten).
    const version = (await currentVersion(lake))!;
    assert.equal(version.runId, runId);
    assert.equal(version.version, 1);
    const named = [...version.tables['silver/achats']!.objects, ...version.tables['silver/clients']!.objects];
    for (const key of named) assert.equal(silverObjects[key], (await lake.head('silver', key))!.modified.getTime(), `${key} kept as it was`);
    assert.deepEqual(Object.keys(silverObjects).filter((k) => !k.startsWith('_state/')).sort(), named.sort());
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));

    // Nothing of the resume state stays; the record is the run's.
    assert.deepEqual(await keys(lake, 'runs', '_resume/'), []);
    assert.deepEqual([...(await keys(lake, 'silver', '_staging/')), ...(await keys(lake, 'gold', '_staging/'))], []);
    const stored = (await readRun(lake, runId))!;
    assert.equal(stored.state, 'completed');
    assert.equal(task(stored, 'gold').attempts.length, 2);
    assert.ok(stored.seconds >= failed.summary.seconds);

    // A completed run is not resumed again.
    const again = await resume(config, runId);
    assert.ok(again.error instanceof NotResumableError);
    assert.match((again.error as Error).message, new RegExp(`^cannot resume run ${runId}: it completed: there is nothing to resume$`));
  });
});

describe('resume: a run that failed after its commit', () => {
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    ({ config } = await tempConfig());
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 50, achats: 600, seed: 18, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('failed in commit: the resume commits the states its tasks left', async () => {
    const failed = await failingAt('throw:task:commit', () => runPipeline({ config }));
    assert.equal(failed.summary.error?.task, 'commit');
    const { summary, error } = await resume(config, failed.summary.runId);
    assert.equal(error, undefined, String(error));
    assert.deepEqual(summary.resumes![0]!.reused, ['bronze', 'silver', 'gold']);
    assert.equal((await currentVersion(lake))!.runId, failed.summary.runId);
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));
  });

  test('failed in publish (the serving store down, say): the resume only publishes the version the run committed', async () => {
    await fs.appendFile(path.join(config.sourcesDir, 'achats.csv'), '9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
    const failed = await failingAt('throw:task:publish', () => runPipeline({ config }));
    assert.equal(failed.summary.error?.task, 'publish');
    const committed = (await currentVersion(lake))!;
    assert.equal(committed.runId, failed.summary.runId, 'the version was committed');
    const { summary, error } = await resume(config, failed.summary.runId);
    assert.equal(error, undefined, String(error));
    assert.equal(summary.resumes![0]!.from, 'publish');
    assert.deepEqual(task(summary, 'publish').attempts.map((a) => a.state), ['failed', 'completed']);
    assert.deepEqual(await currentVersion(lake), committed, 'no new version');
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));
  });
});

describe('resume: finished shards of the failed task are not redone', () => {
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    ({ config } = await tempConfig());
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 150, achats: 3000, seed: 12, asOf: FIXED_DAY });
    // More purchase files: several files of a dataset are cleaned one by one, each written out.
    for (const [i, seed] of [[2, 13], [3, 14]] as const) {
      const dir = path.join(config.dataDir, `more-${i}`);
      await generate({ outDir: dir, clients: 150, achats: 1000, seed, asOf: FIXED_DAY });
      await fs.rename(path.join(dir, 'achats.csv'), path.join(config.sourcesDir, `achats_${i}.csv`));
    }
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('a silver shard fails: on resume only that file and the ones not cleaned yet are cleaned, the others are reused', async () => {
    const failed = await failingAt('throw:shard:clean achats/*/achats_2.csv', () => runPipeline({ config }));
    assert.equal(failed.summary.state, 'failed');
    assert.equal(failed.summary.error?.task, 'silver');
    const runId = failed.summary.runId;
    const states = (r: RunRecord) => Object.fromEntries(shardsOf(r, 'silver').map((t) => [t.name.replace(/ingest_date=[\d-]+\//, ''), t.attempts.map((a) => a.state).join(',')]));
    assert.deepEqual(states(failed.summary), { 'silver: clean achats/achats.csv': 'completed', 'silver: clean achats/achats_2.csv': 'failed' });
    // The finished shard's output is kept, staged under the run's prefix.
    assert.ok((await keys(lake, 'silver', `_staging/${runId}/1/silver.clean/0/`)).includes(`_staging/${runId}/1/silver.clean/0/valid.parquet`));
    assert.equal((await keys(lake, 'runs', `_resume/${runId}/shards/`)).length, 1);

    const { summary, error } = await resume(config, runId);
    assert.equal(error, undefined, String(error));
    assert.equal(summary.state, 'completed');
    assert.deepEqual(states(summary), {
      'silver: clean achats/achats.csv': 'completed',
      'silver: clean achats/achats_2.csv': 'failed,completed',
      'silver: clean achats/achats_3.csv': 'completed',
      'silver: clean clients/clients.csv': 'completed',
    });
    assert.deepEqual(task(summary, 'silver').attempts.map((a) => a.state), ['failed', 'completed']);
    assert.ok(summary.logs.some((l) => l.task === 'silver' && /^reused 1 shard finished by an earlier attempt of this run: clean achats\/ingest_date=[\d-]+\/achats\.csv$/.test(l.message)));
    assert.equal(summary.stages[1]!.rowsIn, 150 + 3000 + 1000 + 1000);
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));
    assert.deepEqual(await keys(lake, 'silver', '_staging/'), []);
  });
});

describe('resume: in-process outputs kept only when the task fails', () => {
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    ({ config } = await tempConfig());
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 100, achats: 2500, seed: 15, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('the merge fails: the files cleaned (views of the session) are written out then, and the resume merges them without cleaning again', async () => {
    // A first load of a clean file is written in one pass, with no view to keep: new files of datasets
    // already in silver take the usual cleaning.
    const first = await runPipeline({ config });
    assert.equal(first.error, undefined, String(first.error));
    await generate({ outDir: path.join(config.dataDir, 'next'), clients: 100, achats: 2500, seed: 17, asOf: FIXED_DAY });
    for (const name of ['clients', 'achats']) await fs.rename(path.join(config.dataDir, 'next', `${name}.csv`), path.join(config.sourcesDir, `${name}_2.csv`));
    const failed = await failingAt('throw:silver:combine', () => runPipeline({ config }));
    assert.equal(failed.summary.error?.task, 'silver');
    const runId = failed.summary.runId;
    const staged = await keys(lake, 'silver', `_staging/${runId}/`);
    assert.equal(staged.filter((k) => k.endsWith('/valid.parquet')).length, 2, staged.join());

    const { summary, error } = await resume(config, runId);
    assert.equal(error, undefined, String(error));
    assert.deepEqual(shardsOf(summary, 'silver').map((t) => t.attempts.length), [1, 1], 'neither file was cleaned again');
    assert.ok(summary.logs.some((l) => /^reused 2 shards finished by an earlier attempt/.test(l.message)));
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));
  });

  test('gold fails after its partitions were built: the resume builds the other tables from them', async () => {
    await generate({ outDir: path.join(config.dataDir, 'more'), clients: 100, achats: 500, seed: 16, asOf: FIXED_DAY });
    await fs.rename(path.join(config.dataDir, 'more', 'achats.csv'), path.join(config.sourcesDir, 'achats_more.csv'));
    const failed = await failingAt('throw:gold:combine', () => runPipeline({ config }));
    assert.equal(failed.summary.error?.task, 'gold');
    const runId = failed.summary.runId;
    assert.ok((await keys(lake, 'gold', `_staging/${runId}/`)).length > 0);

    const { summary, error } = await resume(config, runId);
    assert.equal(error, undefined, String(error));
    const gold = summary.stages.find((s) => s.stage === 'gold')!;
    assert.ok((gold.details['partitionsReused'] as number) > 0, JSON.stringify(gold.details));
    assert.equal(shardsOf(summary, 'gold').reduce((n, t) => n + t.attempts.length, 0), 1, 'the partitions were built once');
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));
  });

  test('a cancelled run resumes from the task it did not start', async () => {
    await fs.appendFile(path.join(config.sourcesDir, 'achats_more.csv'), '9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
    const cancel = new AbortController();
    const cancelled = await runPipeline({ config, signal: cancel.signal, progress: { begin: (stage) => stage === 'silver' && cancel.abort(), update: () => undefined, end: () => undefined } });
    assert.equal(cancelled.summary.state, 'cancelled');
    const { summary, error } = await resume(config, cancelled.summary.runId);
    assert.equal(error, undefined, String(error));
    assert.equal(summary.state, 'completed');
    assert.equal(summary.resumes![0]!.previousState, 'cancelled');
    assert.equal(summary.resumes![0]!.from, 'gold');
    assert.deepEqual(await publishedKpis(config), await uninterrupted(config));
  });
});

describe('resume: a run whose inputs changed refuses, saying which', () => {
  let config: Config;
  let dir: string;
  let env: Record<string, string>;
  let lake: ObjectStore;
  before(async () => {
    ({ config, dir, env } = await tempShopProject({}));
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 60, achats: 800, seed: 17, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  const failInGold = async () => {
    const failed = await failingAt('throw:task:gold', () => runPipeline({ config }));
    assert.equal(failed.summary.error?.task, 'gold');
    return failed.summary.runId;
  };
  const refused = async (runId: string, message: RegExp) => {
    const before = await readRun(lake, runId);
    const { error } = await resume(config, runId);
    assert.ok(error instanceof NotResumableError, String(error));
    assert.match((error as Error).message, message);
    assert.ok((error as NotResumableError).hint);
    assert.deepEqual(await readRun(lake, runId), before, 'the record is left as it was');
  };

  test('an unknown run', async () => {
    const { error } = await resume(config, '20200101T000000.000Z-000000');
    assert.ok(error instanceof NotResumableError);
    assert.equal((error as NotResumableError).status, 404);
    assert.match((error as Error).message, /^no run 20200101T000000\.000Z-000000$/);
  });

  test('a run still running (its lock alive), or queued', async () => {
    const runId = '20261128T000000.000Z-a11ve0';
    const now = new Date().toISOString();
    await lake.putBytes('runs', `${runId}.json`, JSON.stringify({ runId, flow: 'pipeline', parameters: {}, state: 'running', startedAt: now, seconds: 0, lake: '', owner: 'x', tasks: [], stages: [], logs: [], peakRssBytes: 0 }));
    // Held by a process that is alive (this one's parent).
    await lake.putBytes('runs', '_lock.json', JSON.stringify({ runId, flow: 'pipeline', owner: `pid ${process.ppid} on here`, host: os.hostname(), pid: process.ppid, acquiredAt: now, heartbeatAt: now }));
    try {
      await refused(runId, new RegExp(`^cannot resume run ${runId}: it is still running \\(pid ${process.ppid} on here\\)$`));
    } finally {
      await lake.delete('runs', '_lock.json');
    }
    const record = (await readRun(lake, runId))!;
    await lake.putBytes('runs', `${runId}.json`, JSON.stringify({ ...record, state: 'scheduled' }));
    await refused(runId, /: it is queued, waiting for a worker$/);
    await lake.delete('runs', `${runId}.json`);
  });

  test('a new source file arrived, one changed, one went', async () => {
    const runId = await failInGold();
    const extra = path.join(config.sourcesDir, 'achats_late.csv');
    await fs.writeFile(extra, 'id_achat,id_client,date_achat,montant,produit\n9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
    await refused(runId, new RegExp(`^cannot resume run ${runId}: a new source file arrived: achats_late\\.csv since it stopped, after its bronze task had read the sources \\(a resume does not read them again\\)$`));
    await fs.rm(extra);
    // A folder file removed: the run that stopped left no copy in the sources bucket (one is kept once a
    // version commits), and resuming would merge what bronze read of it.
    const clients = path.join(config.sourcesDir, 'clients.csv');
    await fs.rename(clients, `${clients}.away`);
    assert.equal(await lake.head('sources', 'clients.csv'), undefined);
    await refused(runId, /: source file clients\.csv was removed since it stopped/);
    await fs.rename(`${clients}.away`, clients);
    await fs.appendFile(path.join(config.sourcesDir, 'achats.csv'), '9900002,1,2026-01-03 10:00:00,12.50,Phone\n');
    await refused(runId, /: source file achats\.csv changed \(\d+ → \d+ bytes\) since it stopped/);
  });

  test('the definitions changed: a dataset, a KPI', async () => {
    const runId = await failInGold();
    const kpi = path.join(dir, 'kpis', 'ca_par_pays.yml');
    const original = await fs.readFile(kpi, 'utf8');
    const { loadConfig } = await import('../src/config.js');
    await fs.writeFile(kpi, original.replace('ORDER BY ca_total DESC, pays', 'ORDER BY ca_total DESC, pays, nb_achats'));
    try {
      const { error } = await resumeFlow({ config: loadConfig(env), resume: runId });
      assert.match(String((error as Error).message), /: the gold models or KPIs \(models\/, kpis\/\) changed since it stopped$/);
    } finally {
      await fs.writeFile(kpi, original);
    }
    const dataset = path.join(dir, 'datasets', 'achats.yml');
    const yml = await fs.readFile(dataset, 'utf8');
    await fs.writeFile(dataset, yml.replace('max: 10000', 'max: 20000'));
    try {
      const { error } = await resumeFlow({ config: loadConfig(env), resume: runId });
      assert.match(String((error as Error).message), /: the definition of dataset achats changed since it stopped$/);
    } finally {
      await fs.writeFile(dataset, yml);
    }
    // As it was: the resume goes on.
    const { summary, error } = await resume(config, runId);
    assert.equal(error, undefined, String(error));
    assert.equal(summary.state, 'completed');
  });

  test('another run committed since', async () => {
    const runId = await failInGold();
    const other = await runPipeline({ config, fullRefresh: true });
    assert.equal(other.error, undefined, String(other.error));
    const { version } = await readStates(lake, config.project);
    await refused(runId, new RegExp(`^cannot resume run ${runId}: the lake moved on since it stopped: version ${version!.version} was committed by run ${other.summary.runId}, and this run was built on ${version!.version === 1 ? 'the empty lake' : `version ${version!.version - 1}`}$`));
  });
});
