import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { LocalObjectStore } from '../lake/local.js';
import { alertLogKey, stagedRecordKey, versionRecordKey, type Bucket, type LakeVersion } from '../lake/index.js';
import { newRunId } from '../pipeline/context.js';
import { ownerRun, vacuumLake, type VacuumOptions } from './vacuum.js';

/**
 * Vacuum's guarantee, over random histories on a real folder lake: it never deletes an object that a
 * kept version (or its states), a staged version still in its window, or a run that may still need it
 * (running, or within the window) references; and it does delete the rest of what runs wrote.
 */
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-28T12:00:00.000Z');

type RunState = 'completed' | 'failed' | 'cancelled' | 'audit_failed' | 'running';
interface RunSpec {
  daysAgo: number;
  state: RunState;
  recorded: boolean;
  /** Per object the run writes: which earlier objects its version (if it commits) keeps referencing. */
  objects: number;
  keepEarlier: boolean[];
  staging: boolean;
}

const runArb = fc.record({
  daysAgo: fc.integer({ min: 0, max: 90 }),
  state: fc.constantFrom<RunState>('completed', 'completed', 'completed', 'failed', 'cancelled', 'audit_failed', 'running'),
  recorded: fc.boolean(),
  objects: fc.integer({ min: 1, max: 4 }),
  keepEarlier: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  staging: fc.boolean(),
});

const optionsArb = fc.record({
  keepVersions: fc.integer({ min: 1, max: 5 }),
  olderThanMs: fc.constantFrom(0, DAY, 7 * DAY, 30 * DAY, 60 * DAY),
  bronze: fc.boolean(),
  dryRun: fc.constant(false),
});

interface History {
  lake: LocalObjectStore;
  root: string;
  /** Every object written, with the run that wrote it (none: a legacy object). */
  objects: { bucket: Bucket; key: string; run?: string; raw?: boolean }[];
  versions: (LakeVersion & { refs: string[] })[];
  staged: (LakeVersion & { refs: string[] })[];
  runs: Map<string, { state: RunState; at: number }>;
}

/** Writes a lake with this history: runs in time order, each committing a version when it completed. */
async function writeHistory(specs: RunSpec[]): Promise<History> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vacuum-prop-'));
  const lake = new LocalObjectStore(root);
  await lake.ensureBuckets();
  const h: History = { lake, root, objects: [], versions: [], staged: [], runs: new Map() };
  const put = async (bucket: Bucket, key: string, body: string, run?: string, raw = false) => {
    await lake.putBytes(bucket, key, body);
    h.objects.push({ bucket, key, ...(run ? { run } : {}), ...(raw ? { raw } : {}) });
  };
  // A legacy object (before run ids in keys) and a raw file of the sources: never vacuum's to delete.
  await put('silver', 'achats/data_0.parquet', 'legacy');
  await put('sources', 'achats.csv', 'id\n1\n');
  const sorted = [...specs].sort((a, b) => b.daysAgo - a.daysAgo);
  let earlier: string[] = [];
  for (const [i, spec] of sorted.entries()) {
    const started = NOW - spec.daysAgo * DAY - (sorted.length - i) * 60_000;
    const run = newRunId(new Date(started), i.toString(16).padStart(6, '0'));
    const ended = started + 30_000;
    h.runs.set(run, { state: spec.state, at: spec.state === 'running' ? started : ended }); // a running run has its record from its start
    if (spec.recorded || spec.state === 'running') {
      await lake.putBytes('runs', `${run}.json`, JSON.stringify({ runId: run, state: spec.state, startedAt: new Date(started).toISOString(), ...(spec.state === 'running' ? {} : { endedAt: new Date(ended).toISOString() }) }));
    }
    const mine: string[] = [];
    for (let j = 0; j < spec.objects; j++) {
      const key = j % 2 ? `fact/${run}.parquet` : `achats/month=2026-0${(j % 9) + 1}/${run}-data_${j}.parquet`;
      const bucket: Bucket = j % 2 ? 'gold' : 'silver';
      await put(bucket, key, `${run}:${j}`, run);
      mine.push(`${bucket}/${key}`);
    }
    const raw = `achats/ingest_date=${new Date(started).toISOString().slice(0, 10)}/achats_${i}.csv`;
    await put('bronze', raw, 'id\n1\n', undefined, true);
    if (spec.staging) await put('silver', `_staging/${run}/1/silver.clean/0/part.parquet`, 'staged', run);
    if (spec.state === 'failed' || spec.state === 'cancelled') await put('runs', `_resume/${run}/run.json`, '{}', run);
    if (spec.state !== 'completed' && spec.state !== 'audit_failed') continue;
    // The version's states: one names an object outside the version's tables (only the state knows it).
    const stateKey = `_state/${run}.json`;
    const hidden = `achats/quarantine/${run}.parquet`;
    await put('silver', hidden, 'quarantined', run);
    await put('silver', stateKey, JSON.stringify({ datasets: {}, quarantine: { x: { dataset: 'achats', key: hidden, rows: 1 } } }), run);
    const kept = earlier.filter((_, k) => spec.keepEarlier[k % spec.keepEarlier.length]);
    const refs = [...kept, ...mine];
    const tables: LakeVersion['tables'] = {
      'silver/achats': { bucket: 'silver', objects: refs.filter((r) => r.startsWith('silver/')).map((r) => r.slice('silver/'.length)), rows: 1 },
      'gold/fact': { bucket: 'gold', objects: refs.filter((r) => r.startsWith('gold/')).map((r) => r.slice('gold/'.length)), rows: 1 },
      'bronze/achats': { bucket: 'bronze', objects: [raw], rows: 1 },
    };
    const record: LakeVersion = {
      format: 1,
      version: h.versions.length + 1,
      runId: run,
      committedAt: new Date(ended).toISOString(),
      parent: h.versions.length || null,
      audit: 'passed',
      states: { silver: { bucket: 'silver', key: stateKey } },
      tables,
    };
    const allRefs = [...refs, `silver/${stateKey}`, `silver/${hidden}`];
    if (spec.state === 'audit_failed') {
      const at = stagedRecordKey(run);
      await lake.putBytes(at.bucket, at.key, JSON.stringify({ ...record, failed: [] }));
      h.staged.push({ ...record, refs: allRefs });
      continue;
    }
    const at = versionRecordKey(record.version);
    await lake.putBytes(at.bucket, at.key, JSON.stringify(record));
    h.versions.push({ ...record, refs: allRefs });
    earlier = refs;
  }
  return h;
}

/** What must survive, computed from the rules as the docs state them. */
function mustKeep(h: History, o: VacuumOptions): { objects: Set<string>; versions: Set<number> } {
  const cutoff = NOW - o.olderThanMs;
  const versions = new Set(h.versions.filter((v, i) => i >= h.versions.length - o.keepVersions || Date.parse(v.committedAt) >= cutoff).map((v) => v.version));
  const objects = new Set<string>();
  for (const v of h.versions) if (versions.has(v.version)) v.refs.forEach((r) => objects.add(r));
  for (const s of h.staged) if (Date.parse(s.committedAt) >= cutoff) s.refs.forEach((r) => objects.add(r));
  for (const x of h.objects) {
    const life = x.run ? h.runs.get(x.run) : undefined;
    if (life && (life.state === 'running' || life.at >= cutoff)) objects.add(`${x.bucket}/${x.key}`);
    if (!x.run && !(x.raw && o.bronze)) objects.add(`${x.bucket}/${x.key}`);
  }
  return { objects, versions };
}

test('vacuum never deletes what a kept version, a live staged version or a live run references, and deletes the rest runs wrote', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(runArb, { minLength: 1, maxLength: 8 }), optionsArb, async (specs, options) => {
      const h = await writeHistory(specs);
      try {
        const plan = await vacuumLake(h.lake, options, { now: NOW });
        const keep = mustKeep(h, options);
        const exists = async (at: string) => (await h.lake.head(at.split('/')[0] as Bucket, at.slice(at.indexOf('/') + 1))) !== undefined;
        for (const at of keep.objects) assert.ok(await exists(at), `${at} must be kept (${JSON.stringify(plan.deletions.find((d) => `${d.bucket}/${d.key}` === at))})`);
        for (const v of h.versions) {
          const at = versionRecordKey(v.version);
          assert.equal((await h.lake.head(at.bucket, at.key)) !== undefined, keep.versions.has(v.version), `version ${v.version} record`);
        }
        assert.deepEqual(plan.kept, [...keep.versions].sort((a, b) => a - b));
        // What a run wrote and nothing needs is gone (raw bronze files are not run-scoped).
        for (const x of h.objects) {
          const at = `${x.bucket}/${x.key}`;
          if (x.run && !keep.objects.has(at)) assert.equal(await exists(at), false, `${at} should have been deleted`);
        }
        // Every object of every kept version can be read.
        for (const v of h.versions.filter((x) => keep.versions.has(x.version))) for (const r of v.refs) assert.ok(await exists(r), `v${v.version} reads ${r}`);
      } finally {
        await fs.rm(h.root, { recursive: true, force: true });
      }
    }),
    { numRuns: 60 },
  );
});

test('a dry run deletes nothing and plans what the real run then deletes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(runArb, { minLength: 1, maxLength: 6 }), optionsArb, async (specs, options) => {
      const h = await writeHistory(specs);
      try {
        const list = async () => (await Promise.all((['bronze', 'silver', 'gold', 'runs'] as Bucket[]).map(async (b) => (await h.lake.list(b)).filter((o) => b !== 'runs' || o.key.startsWith('_')).map((o) => `${b}/${o.key}`)))).flat().sort();
        const before = await list();
        const dry = await vacuumLake(h.lake, { ...options, dryRun: true }, { now: NOW });
        assert.deepEqual(await list(), before);
        const real = await vacuumLake(h.lake, options, { now: NOW });
        assert.deepEqual(real.deletions, dry.deletions);
        const after = new Set(await list());
        assert.deepEqual(before.filter((k) => !after.has(k)).sort(), dry.deletions.map((d) => `${d.bucket}/${d.key}`).sort());
      } finally {
        await fs.rm(h.root, { recursive: true, force: true });
      }
    }),
    { numRuns: 30 },
  );
});

test('a lake from before versions (its states at fixed keys) keeps everything its states name', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vacuum-legacy-'));
  try {
    const lake = new LocalObjectStore(root);
    await lake.ensureBuckets();
    const run = '20200101T000000.000Z-00aa00';
    await lake.putBytes('silver', `achats/month=2020-01/${run}-data_0.parquet`, 'rows');
    await lake.putBytes('silver', '_state.json', JSON.stringify({ datasets: { achats: { partitions: { 'month=2020-01': [`achats/month=2020-01/${run}-data_0.parquet`] } } } }));
    await lake.putBytes('gold', `kpi/${run}.parquet`, 'kpi');
    await lake.putBytes('gold', '_state.json', JSON.stringify({ objects: { kpi: [`kpi/${run}.parquet`] } }));
    await lake.putBytes('gold', `kpi/${run.replace('00aa00', '00bb00')}.parquet`, 'left over');
    const plan = await vacuumLake(lake, { keepVersions: 1, olderThanMs: 0, bronze: false, dryRun: false }, { now: NOW });
    assert.deepEqual(plan.deletions.map((d) => `${d.bucket}/${d.key}`), [`gold/kpi/${run.replace('00aa00', '00bb00')}.parquet`]);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test("the alerts log: deliveries older than the window are deleted, the newest is kept whatever its age", async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vacuum-alerts-'));
  try {
    const lake = new LocalObjectStore(root);
    await lake.ensureBuckets();
    const at = (daysAgo: number, event: string) => alertLogKey(new Date(NOW - daysAgo * DAY), event, 'a1b2c3');
    for (const k of [at(40, 'run_failed'), at(35, 'recovered'), at(31, 'freshness_warn'), at(2, 'run_failed')]) await lake.putBytes(k.bucket, k.key, '{}');
    const plan = await vacuumLake(lake, { keepVersions: 1, olderThanMs: 30 * DAY, bronze: false, dryRun: false }, { now: NOW });
    assert.deepEqual(plan.deletions.map((d) => [d.reason, d.key]), [at(40, 'run_failed'), at(35, 'recovered'), at(31, 'freshness_warn')].map((k) => ['old alert', k.key]));
    const none = await vacuumLake(lake, { keepVersions: 1, olderThanMs: 0, bronze: false, dryRun: true }, { now: NOW + 100 * DAY });
    assert.deepEqual(none.deletions, [], 'the newest delivery stays');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('the run that wrote an object: the run folder of staged and resume files, else the last run id of the key', () => {
  const [r1, r2] = ['20261101T000000.000Z-aaaaaa', '20261102T000000.000Z-bbbbbb'];
  assert.equal(ownerRun(`quarantine/achats/ingest_date=2026-11-01/${r1}/achats/${r2}.parquet`), r2);
  assert.equal(ownerRun(`achats/month=2026-11/${r2}-data_0.parquet`), r2);
  assert.equal(ownerRun(`_staging/${r1}/1/silver.clean/0/${r2}.parquet`), r1);
  assert.equal(ownerRun(`_resume/${r1}/shards/1-abc.json`), r1);
  assert.equal(ownerRun('achats/data_0.parquet'), undefined);
});
