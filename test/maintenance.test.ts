import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import { resumeFlow, runFlow } from '../src/flows/run-flow.js';
import { addSchedule } from '../src/flows/schedule.js';
import { runDoctor } from '../src/cli/doctor.js';
import { renderSummary } from '../src/cli/summary.js';
import { generate } from '../src/generate/generator.js';
import { currentVersion, listVersions, openObjectStore, requireVersion, type LakeVersion, type ObjectStore } from '../src/lake/index.js';
import { readStates } from '../src/pipeline/states.js';
import { openServingStore } from '../src/serving/index.js';
import { loadConfig } from '../src/config.js';
import { FIXED_DAY, tempConfig, tempShopProject } from './support/env.js';
import { lakeRows } from './support/lake-rows.js';
import { startS3Server, S3RVER_KEYS, type TestS3Server } from './support/s3.js';
import { runCli } from './support/cli.js';

/*
 * Keeping the lake lean on the shop: daily drops of new purchases append a file to each month they
 * touch; compact joins them back into one file per month as a new version with the same rows; vacuum
 * deletes what no kept version needs, and every kept version still reads whole.
 */

const ACHATS_HEADER = 'id_achat,id_client,date_achat,montant,produit';

const cli = (args: string[], env: Record<string, string>) => runCli(args, env);

/** Every row of every table of a version, sorted, by table: what "the same rows" means. */
async function versionRows(lake: ObjectStore, version: LakeVersion): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, t] of Object.entries(version.tables)) {
    if (t.bucket === 'bronze' || name.startsWith('silver/quarantine')) continue;
    const rows = t.objects.length ? await lakeRows(lake, t.bucket, t.objects) : [];
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();
  }
  return out;
}

describe('vacuum and compaction', () => {
  let config: Config;
  let env: Record<string, string>;
  let lake: ObjectStore;
  const run = async (flow: 'pipeline' | 'compact' | 'vacuum', extra: Partial<Parameters<typeof runFlow>[0]> = {}) => {
    const { summary, error } = await runFlow({ config, flow, ...extra });
    assert.equal(error, undefined, String(error));
    return summary;
  };
  /** New purchases (new ids) spread over the months the first load has. */
  const drop = async (day: number) => {
    const rows = Array.from({ length: 40 }, (_, i) => [String(900_000 + day * 100 + i), String(1 + i), `2026-0${1 + (i % 5)}-${String(10 + day).padStart(2, '0')} 10:00:00`, '19.90', 'Mouse']);
    await fs.writeFile(path.join(config.sourcesDir, `achats_drop_${day}.csv`), `${ACHATS_HEADER}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    return run('pipeline');
  };

  before(async () => {
    ({ config, env } = await tempConfig());
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 200, achats: 3000, seed: 5, asOf: FIXED_DAY });
    await run('pipeline');
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('daily drops of new keys append a file to each month they touch, without rewriting it', async () => {
    const first = (await readStates(lake, config.project)).silver!.datasets['achats']!.partitions;
    for (const day of [1, 2, 3]) await drop(day);
    const now = (await readStates(lake, config.project)).silver!.datasets['achats']!.partitions;
    for (const m of ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05']) {
      const p = `month=${m}`;
      assert.equal(now[p]!.length, first[p]!.length + 3, `${p} gained a file per drop`);
      assert.deepEqual(now[p]!.slice(0, first[p]!.length), first[p], `${p} kept its first files`);
    }
  });

  test('compact joins each partition into one file, as a new version with exactly the same rows, published', async () => {
    const before = (await currentVersion(lake))!;
    const rowsBefore = await versionRows(lake, before);
    const summary = await run('compact');
    assert.equal(summary.state, 'completed');
    const details = summary.stages.find((s) => s.stage === 'compact')!.details as { partitions: number; filesBefore: number };
    assert.ok(details.partitions >= 5 && details.filesBefore >= 4 * 5, JSON.stringify(details));
    const after = (await currentVersion(lake))!;
    assert.equal(after.version, before.version + 1);
    for (const [p, keys] of Object.entries((await readStates(lake, config.project)).silver!.datasets['achats']!.partitions)) assert.equal(keys.length, 1, `${p} is one file`);
    assert.deepEqual(await versionRows(lake, after), rowsBefore);
    const serving = openServingStore(config);
    try {
      assert.equal((await serving.lastPublish())?.data?.version, after.version, 'the serving store shows the compacted version');
    } finally {
      await serving.close();
    }
    // Nothing left to join: a second compaction changes nothing and commits no version.
    const again = await run('compact');
    assert.match(String(again.stages[0]!.details['skipped']), /no partition has more than one file/);
    assert.equal((await currentVersion(lake))!.version, after.version);
  });

  test('vacuum: a dry run deletes nothing; then only what no kept version needs goes, and kept versions read whole', async () => {
    const versions = await listVersions(lake);
    const current = (await currentVersion(lake))!;
    const rows = await versionRows(lake, current);
    // Run records aside: each vacuum adds its own.
    const countObjects = async () => (await Promise.all((['bronze', 'silver', 'gold', 'runs'] as const).map(async (b) => (await lake.list(b)).filter((o) => b !== 'runs' || o.key.startsWith('_')).length))).reduce((a, b) => a + b, 0);
    const count = await countObjects();

    // The defaults (10 versions, 30 days) keep every version of this young lake: nothing of theirs goes.
    const kept = await run('vacuum', { vacuum: {} });
    const keptDetails = kept.stages[0]!.details as { versionsKept: number[]; deletions: { key: string; reason: string }[] };
    assert.deepEqual(keptDetails.versionsKept, versions);
    assert.deepEqual(keptDetails.deletions.filter((d) => d.reason !== 'staging'), []);

    const dry = await run('vacuum', { vacuum: { keepVersions: 2, olderThan: '0d', dryRun: true } });
    const planned = dry.stages[0]!.details as { deleted: number; versionsDropped: number[]; deletions: { bucket: string; key: string; reason: string }[] };
    assert.equal(await countObjects(), count, 'a dry run deletes nothing');
    assert.deepEqual(planned.versionsDropped, versions.slice(0, -2));
    assert.ok(planned.deleted > 0);
    assert.ok(planned.deletions.every((d) => d.bucket !== 'bronze' || d.key.startsWith('_state/')), 'no raw bronze file without --bronze');
    // Among them the fact partitions the drops rebuilt: versions 1 and 2 read them, the kept ones do not.
    assert.ok(planned.deletions.some((d) => d.bucket === 'gold' && d.key.startsWith('fact_achats/month=') && d.reason === 'unreferenced'));
    const needed = new Set<string>();
    for (const v of versions.slice(-2)) for (const t of Object.values((await requireVersion(lake, v)).tables)) t.objects.forEach((k) => needed.add(`${t.bucket}/${k}`));
    assert.deepEqual(planned.deletions.filter((d) => needed.has(`${d.bucket}/${d.key}`)), [], 'nothing a kept version reads');

    const done = await run('vacuum', { vacuum: { keepVersions: 2, olderThan: '0d' } });
    assert.deepEqual((done.stages[0]!.details as { deleted: number }).deleted, planned.deleted);
    // Counts per reason read as counts ("2 expired versions"), never as "expired version 2", which names a version.
    const expired = versions.length - 2;
    assert.match(renderSummary(done), new RegExp(`^vacuum: deleted ${planned.deleted} objects, [\\d.]+ \\S+: ${expired} expired versions? \\([^)]+\\), (.+, )?\\d+ unreferenced objects \\(`, 'm'));
    assert.deepEqual(await listVersions(lake), versions.slice(-2));
    for (const v of versions.slice(-2)) {
      const record = await requireVersion(lake, v);
      await versionRows(lake, record); // every object there and readable
    }
    assert.deepEqual(await versionRows(lake, current), rows);
    await assert.rejects(requireVersion(lake, versions[0]!), /no version 1 of the lake: the versions kept are/);
    // The pipeline goes on from the vacuumed lake.
    await drop(4);
  });

  test('objects of a failed run are kept within the window (it may be resumed), deleted after it', async () => {
    // What a run that failed after writing silver objects leaves: objects under its id, and its record.
    const failedRun = '20200101T000000.000Z-abcdef';
    await lake.putBytes('silver', `achats/month=2026-02/${failedRun}-data_0.parquet`, 'x');
    await lake.putBytes('silver', `_staging/${failedRun}/1/silver.clean/0/achats.parquet`, 'x');
    const ended = new Date().toISOString();
    await lake.putBytes('runs', `${failedRun}.json`, JSON.stringify({ runId: failedRun, state: 'failed', startedAt: ended, endedAt: ended }));
    const within = await run('vacuum', { vacuum: { olderThan: '1d' } });
    assert.ok(!(within.stages[0]!.details as { deletions: { key: string }[] }).deletions.some((d) => d.key.includes(failedRun)), 'kept: the run failed within the window');
    const past = await run('vacuum', { vacuum: { olderThan: '0d', keepVersions: 1 } });
    const gone = (past.stages[0]!.details as { deletions: { key: string; reason: string }[] }).deletions.filter((d) => d.key.includes(failedRun));
    assert.deepEqual(gone.map((d) => d.reason).sort(), ['staging', 'unreferenced']);
  });

  test('the CLI: vacuum prints each object with its size; bad options are one line and exit 1; both flows can be scheduled', async () => {
    // An object a long dead run left behind (no record, no version names it).
    await lake.putBytes('gold', 'kpi_resume/20200101T000000.000Z-0000aa.parquet', 'left over');
    const out = await cli(['vacuum', '--dry-run', '--keep-versions', '1', '--older-than', '0d'], env);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /unreferenced +9 B +gold\/kpi_resume\/20200101T000000\.000Z-0000aa\.parquet/);
    assert.match(out.stdout, /vacuum \(dry run\): would delete \d+ objects?/);
    assert.match(out.stdout, /^vacuum \(dry run\): would delete 1 object, 9 B: 1 unreferenced object \(9 B\)$/m);
    assert.match(out.stdout, /nothing was deleted \(dry run\)/);
    const json = await cli(['vacuum', '--dry-run', '--json'], env);
    assert.equal(JSON.parse(json.stdout).stages[0].stage, 'vacuum');

    const bad = await cli(['vacuum', '--older-than', 'three weeks'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--older-than "three weeks" is not a duration/);
    assert.match(bad.stderr, /hint: write a number and a unit/);
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
    const runsBefore = (await lake.list('runs')).length;
    const huge = await cli(['vacuum', '--older-than', '120000000d', '--dry-run'], env);
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /^error: --older-than "120000000d" is longer than 100 years\n\s+hint: write at most 36500d/);
    assert.doesNotMatch(huge.stderr, /unexpected|report it/);
    assert.equal((await lake.list('runs')).length, runsBefore, 'no run started');
    const zero = await cli(['vacuum', '--keep-versions', '0'], env);
    assert.equal(zero.code, 1);
    // An empty lake: one error saying why, not "skipped" and then gold's failure.
    const bare = await tempConfig();
    const nothing = await cli(['compact'], bare.env);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^error: there is nothing to compact: silver is empty \(no source file has been ingested yet\)\n\s+hint: run the pipeline first/m);
    assert.doesNotMatch(nothing.stdout + nothing.stderr, /skipped|gold|resume/);
    await fs.rm(bare.config.dataDir, { recursive: true, force: true });
    const unknown = await cli(['compact', '--dataset', 'achat'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no dataset "achat" in project shop/);
    const empty = await cli(['compact', '--dataset', ''], env);
    assert.equal(empty.code, 1, 'an empty name is no dataset, not all of them');
    assert.match(empty.stderr, /no dataset "" in project shop/);

    // A dead run's local scratch: listed with its size, left alone by a dry run, deleted by a vacuum.
    const deadRun = (await currentVersion(lake))!.runId;
    const scratch = path.join(config.scratchDir, deadRun);
    await fs.mkdir(path.join(scratch, 'silver'), { recursive: true });
    await fs.writeFile(path.join(scratch, 'silver', 'left.parquet'), Buffer.alloc(3000));
    const dryScratch = await cli(['vacuum', '--dry-run'], env);
    assert.equal(dryScratch.code, 0, dryScratch.stderr);
    assert.match(dryScratch.stdout, new RegExp(`run scratch +2\\.9 KiB +${deadRun.replace(/\./g, '\\.')}`));
    assert.match(dryScratch.stdout, /vacuum: would delete the scratch space of 1 run\(s\) or process\(es\) no longer alive, 2\.9 KiB/);
    assert.ok(await fs.stat(scratch).catch(() => undefined), 'a dry run deletes no scratch');
    const wetScratch = await cli(['vacuum'], env);
    assert.equal(wetScratch.code, 0, wetScratch.stderr);
    assert.match(wetScratch.stdout, /vacuum: deleted the scratch space of 1 run\(s\)/);
    assert.equal(await fs.stat(scratch).catch(() => undefined), undefined);

    for (const flow of ['vacuum', 'compact']) assert.equal((await addSchedule(lake, '0 3 * * 0', flow)).flow, flow);
  });

  test('vacuum --bronze deletes merged raw files past the window; a full refresh rebuilds from what is left and says so', async () => {
    const raw = (await lake.list('bronze')).filter((o) => !o.key.startsWith('_state/'));
    const summary = await run('vacuum', { vacuum: { bronze: true, olderThan: '0d', keepVersions: 1 } });
    const deletions = (summary.stages[0]!.details as { deletions: { bucket: string; key: string; reason: string }[] }).deletions.filter((d) => d.reason === 'bronze');
    assert.equal(deletions.length, raw.length, 'every raw file is merged and past a window of 0');
    // The sources folder and bucket still hold the files: a full refresh puts them back in bronze, and loses no row.
    const rows = (await readStates(lake, config.project)).silver!.datasets['achats']!.rows;
    const restored = await runFlow({ config, flow: 'pipeline', fullRefresh: true });
    assert.equal(restored.error, undefined, String(restored.error));
    assert.equal((await readStates(lake, config.project)).silver!.datasets['achats']!.rows, rows);
    assert.equal((await lake.list('bronze')).filter((o) => !o.key.startsWith('_state/')).length, raw.length);
    await run('vacuum', { vacuum: { bronze: true, olderThan: '0d', keepVersions: 1 } });
    // With nothing left to rebuild from (no source either), a full refresh is refused before it writes anything.
    for (const o of await lake.list('sources')) await lake.delete('sources', o.key);
    for (const f of await fs.readdir(config.sourcesDir)) await fs.rm(path.join(config.sourcesDir, f));
    await fs.writeFile(path.join(config.sourcesDir, 'notes.csv'), 'a\n1\n'); // of no dataset: the run gets past bronze
    const before = await listVersions(lake);
    const refused = await runFlow({ config, flow: 'pipeline', fullRefresh: true });
    assert.match(String((refused.error as Error | undefined)?.message), /--full-refresh cannot rebuild (achats, clients|clients, achats): every bronze file of them was deleted by `datalake vacuum --bronze` \(\d+ files\), so silver would be empty/);
    assert.deepEqual(await listVersions(lake), before);
    // New files arrive; a full refresh can only rebuild from them.
    for (const f of await fs.readdir(config.sourcesDir)) await fs.rm(path.join(config.sourcesDir, f));
    await fs.writeFile(path.join(config.sourcesDir, 'clients_new.csv'), 'id_client,nom,email,date_inscription,pays\n1,Ada,ada@example.com,2025-01-01,France\n2,Bob,bob@example.com,2025-01-02,Spain\n');
    await fs.writeFile(path.join(config.sourcesDir, 'achats_new.csv'), `${ACHATS_HEADER}\n1,1,2026-03-01 10:00:00,10.00,Mouse\n2,2,2026-03-02 10:00:00,20.00,Phone\n`);
    const { summary: refresh, error } = await runFlow({ config, flow: 'pipeline', fullRefresh: true });
    assert.equal(error, undefined, String(error));
    const warnings = refresh.logs.filter((l) => l.level === 'warn' && l.task === 'silver').map((l) => l.message);
    assert.ok(warnings.some((w) => new RegExp(`rebuilt from the 2 bronze files left: ${raw.length} were deleted by \`datalake vacuum --bronze\``).test(w)), JSON.stringify(warnings));
    assert.equal((await readStates(lake, config.project)).silver!.datasets['achats']!.rows, 2);
  });
});

describe('vacuum and compaction on the S3 driver (s3rver on 127.0.0.1)', () => {
  let s3: TestS3Server;
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    s3 = await startS3Server();
    ({ config } = await tempConfig({ MINIO_ENDPOINT: s3.endpoint, ...S3RVER_KEYS }));
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 100, achats: 1000, seed: 8, asOf: FIXED_DAY });
  });
  after(async () => {
    await s3.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('a drop appends, compact joins, vacuum keeps the current version whole', async () => {
    const flow = async (name: 'pipeline' | 'compact' | 'vacuum', extra: Partial<Parameters<typeof runFlow>[0]> = {}) => {
      const { summary, error } = await runFlow({ config, flow: name, ...extra });
      assert.equal(error, undefined, String(error));
      return summary;
    };
    await flow('pipeline');
    await fs.writeFile(path.join(config.sourcesDir, 'achats_drop.csv'), `${ACHATS_HEADER}\n800001,1,2026-02-03 10:00:00,9.90,Mouse\n800002,2,2026-03-03 10:00:00,9.90,Mouse\n`);
    await flow('pipeline');
    const compacted = await flow('compact');
    assert.equal((compacted.stages[0]!.details as { partitions: number }).partitions, 2);
    const current = (await currentVersion(lake))!;
    const rows = await versionRows(lake, current);
    const vacuum = await flow('vacuum', { vacuum: { keepVersions: 1, olderThan: '0d' } });
    assert.ok((vacuum.stages[0]!.details as { deleted: number }).deleted > 0);
    assert.deepEqual(await listVersions(lake), [current.version]);
    assert.deepEqual(await versionRows(lake, current), rows);
    assert.equal(rows['silver/achats']!.length, 1002);
  });
});

describe('a compaction that failed is resumed like any run', () => {
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    ({ config } = await tempConfig());
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 100, achats: 1500, seed: 9, asOf: FIXED_DAY });
    assert.equal((await runFlow({ config, flow: 'pipeline' })).error, undefined);
    await fs.writeFile(path.join(config.sourcesDir, 'achats_drop.csv'), `${ACHATS_HEADER}\n700001,1,2026-02-03 10:00:00,9.90,Mouse\n700002,2,2026-03-03 10:00:00,9.90,Mouse\n`);
    assert.equal((await runFlow({ config, flow: 'pipeline' })).error, undefined);
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('gold fails after the compaction: the resume reuses the compacted silver and commits one version with the same rows', async () => {
    const before = (await currentVersion(lake))!;
    const rows = await versionRows(lake, before);
    process.env['DATALAKE_FAILPOINT'] = 'throw:task:gold';
    let failed;
    try {
      failed = await runFlow({ config, flow: 'compact' });
    } finally {
      delete process.env['DATALAKE_FAILPOINT'];
    }
    assert.equal(failed.summary.state, 'failed');
    assert.equal((await currentVersion(lake))!.version, before.version, 'nothing committed');
    const compactedKeys = ((failed.summary.stages.find((s) => s.stage === 'compact')!.details as { compacted: unknown[] }).compacted).length;
    assert.equal(compactedKeys, 2);
    // doctor names the failed run and how to continue it.
    const lastRun = (await runDoctor(config)).checks.find((c) => c.area === 'last run');
    assert.match(lastRun?.detail ?? '', new RegExp(`compact run ${failed.summary.runId} failed in task gold .*datalake run --resume ${failed.summary.runId}`));

    const { summary, error } = await resumeFlow({ config, resume: failed.summary.runId });
    assert.equal(error, undefined, String(error));
    assert.equal(summary.runId, failed.summary.runId);
    assert.equal(summary.tasks.find((t) => t.name === 'compact')!.attempts.length, 1, 'the compaction is not done again');
    const after = (await currentVersion(lake))!;
    assert.equal(after.version, before.version + 1);
    assert.equal(after.runId, failed.summary.runId);
    for (const [p, keys] of Object.entries((await readStates(lake, config.project)).silver!.datasets['achats']!.partitions)) assert.equal(keys.length, 1, `${p} is one file`);
    assert.deepEqual(await versionRows(lake, after), rows);
    assert.equal((await runDoctor(config)).checks.find((c) => c.area === 'last run'), undefined, 'nothing left to resume');
  });
});

describe('after vacuum --bronze, silver is not rebuilt behind your back', () => {
  let config: Config;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    ({ config, dir, env } = await tempShopProject({}));
    await generate({ outDir: config.sourcesDir, clients: 80, achats: 800, seed: 11, asOf: FIXED_DAY });
    assert.equal((await runFlow({ config, flow: 'pipeline' })).error, undefined);
    const { error } = await runFlow({ config, flow: 'vacuum', vacuum: { bronze: true, olderThan: '0d', keepVersions: 1 } });
    assert.equal(error, undefined);
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  test('a changed definition, which needs a rebuild from bronze, fails the run saying why; --full-refresh rebuilds from what is left', async () => {
    const lake = openObjectStore(config);
    // Its sources gone from the folder and the bucket too (with them, the run puts the files back in bronze).
    for (const o of await lake.list('sources')) await lake.delete('sources', o.key);
    for (const f of await fs.readdir(config.sourcesDir)) await fs.rm(path.join(config.sourcesDir, f));
    await fs.writeFile(path.join(config.sourcesDir, 'notes.csv'), 'a\n1\n'); // of no dataset: the run gets past bronze
    const before = (await currentVersion(lake))!;
    const file = path.join(dir, 'datasets', 'clients.yml');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/^description: .*$/m, 'description: "Customers, described again."'));
    const edited = loadConfig(env);
    const refused = await runFlow({ config: edited, flow: 'pipeline' });
    assert.equal(refused.summary.state, 'failed');
    assert.match(String(refused.summary.error?.message), /silver must be rebuilt from bronze \(the definition of clients changed\), but 2 bronze files were deleted by `datalake vacuum --bronze`/);
    assert.match(String(refused.summary.error?.hint), /--full-refresh/);
    assert.equal((await currentVersion(lake))!.version, before.version, 'nothing committed');
  });
});
