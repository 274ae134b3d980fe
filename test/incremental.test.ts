import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import { Engine, parquetFiles } from '../src/engine/duckdb.js';
import { generate } from '../src/generate/generator.js';
import { currentVersion, openObjectStore } from '../src/lake/index.js';
import { readStates } from '../src/pipeline/states.js';
import type { RunRecord as RunSummary } from '../src/flows/record.js';
import { runPipeline } from './support/run.js';
import { silverObjects, type SilverDatasetStats } from '../src/pipeline/silver/index.js';
import { openServingStore } from '../src/serving/index.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { goldTableReaders } from './support/gold.js';

/*
 * Daily drops into one lake, each followed by a run: new days, a resend, late clients, corrections, a
 * late file for an old month, a dirty file and a new version of a file. The lake must end equal to a
 * from-scratch run over the final sources folder.
 */

const ACHATS_HEADER = 'id_achat,id_client,date_achat,montant,produit';
const CLIENTS_HEADER = 'id_client,nom,email,date_inscription,pays';

type Line = string[];
const csv = (header: string, rows: Line[]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;

async function readCsv(file: string): Promise<Line[]> {
  return (await fs.readFile(file, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
}

let incremental: Config;
let scratch: Config;
let clients: Line[];
let achats: Line[];
const runs: RunSummary[] = [];

async function drop(files: Record<string, string>): Promise<RunSummary> {
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(incremental.sourcesDir, name), content);
  const { summary, error } = await runPipeline({ config: incremental });
  assert.equal(error, undefined, String(error));
  runs.push(summary);
  return summary;
}

const silverStats = (s: RunSummary, dataset: string) => (s.stages.find((x) => x.stage === 'silver')!.details['datasets'] as Record<string, SilverDatasetStats>)[dataset]!;

/** The objects of a layer in the lake's current version, by key, with a hash of their bytes. */
async function objects(config: Config, bucket: 'silver' | 'gold'): Promise<Map<string, string>> {
  const lake = openObjectStore(config);
  const version = await currentVersion(lake);
  const out = new Map<string, string>();
  for (const t of Object.values(version?.tables ?? {}).filter((t) => t.bucket === bucket)) {
    for (const key of t.objects) out.set(key, createHash('sha256').update((await lake.getBytes(bucket, key))!).digest('hex'));
  }
  return out;
}

const keyStarting = (objects: Map<string, string>, prefix: string) => [...objects.keys()].find((k) => k.startsWith(prefix));

describe('incremental ingestion: a sequence of daily drops', () => {
  before(async () => {
    ({ config: incremental } = await tempConfig());
    ({ config: scratch } = await tempConfig());
    const gen = path.join(incremental.dataDir, 'generated');
    await generate({ outDir: gen, clients: 300, achats: 6000, seed: 21, asOf: FIXED_DAY });
    clients = await readCsv(path.join(gen, 'clients.csv'));
    achats = await readCsv(path.join(gen, 'achats.csv'));
    await fs.mkdir(incremental.sourcesDir, { recursive: true });
  });
  after(async () => {
    await fs.rm(incremental.dataDir, { recursive: true, force: true });
    await fs.rm(scratch.dataDir, { recursive: true, force: true });
  });

  const client = (r: Line) => Number(r[1]);
  const id = (r: Line) => Number(r[0]);

  test('day 1: the first clients and purchases', async () => {
    const s = await drop({
      'clients_2026-06-01.csv': csv(CLIENTS_HEADER, clients.filter((c) => id(c) <= 200)),
      'achats_2026-06-01.csv': csv(ACHATS_HEADER, achats.filter((a) => id(a) <= 3000 && client(a) <= 200)),
    });
    assert.deepEqual(s.stages[0]!.details['files'], { 'achats_2026-06-01.csv': 'ingested', 'clients_2026-06-01.csv': 'ingested' });
    assert.equal(silverStats(s, 'achats').replaced, 0);
  });

  test('day 2: a new day, and day 1 resent unchanged (not ingested twice)', async () => {
    const before = await objects(incremental, 'silver');
    const s = await drop({
      'achats_2026-06-01.csv': csv(ACHATS_HEADER, achats.filter((a) => id(a) <= 3000 && client(a) <= 200)),
      'achats_2026-06-02.csv': csv(ACHATS_HEADER, achats.filter((a) => id(a) > 3000 && id(a) <= 4500 && client(a) <= 200)),
    });
    const files = s.stages[0]!.details['files'] as Record<string, string>;
    assert.equal(files['achats_2026-06-01.csv'], 'unchanged');
    assert.equal(files['achats_2026-06-02.csv'], 'ingested');
    assert.deepEqual(silverStats(s, 'achats').files.map((f) => path.basename(f)), ['achats_2026-06-02.csv']);
    assert.equal(keyStarting(await objects(incremental, 'silver'), 'clients/'), keyStarting(before, 'clients/'), 'clients untouched');
  });

  test('day 3: purchases of clients not received yet wait in quarantine', async () => {
    const late = achats.filter((a) => (id(a) <= 4500 && client(a) > 200) || id(a) > 4500);
    const s = await drop({ 'achats_2026-06-03.csv': csv(ACHATS_HEADER, late) });
    const stats = silverStats(s, 'achats');
    const waiting = late.filter((a) => client(a) > 200).length;
    assert.ok(waiting > 100);
    assert.equal(stats.reasons['unknown_reference:id_client'], waiting);
    assert.equal(stats.unresolved, waiting);
  });

  test('day 4: the late clients arrive, with a correction of an earlier client; their purchases leave quarantine', async () => {
    // Client 5 moves country; clients 201..300 arrive.
    const moved = clients.find((c) => id(c) === 5)!.slice();
    moved[4] = moved[4] === 'Canada' ? 'Spain' : 'Canada';
    const s = await drop({ 'clients_2026-06-04.csv': csv(CLIENTS_HEADER, [...clients.filter((c) => id(c) > 200), moved]) });
    assert.equal(silverStats(s, 'clients').replaced, 1);
    const stats = silverStats(s, 'achats');
    assert.equal(stats.promoted, runs[2]!.stages[1]!.quarantined, 'every purchase waiting for its client was released');
    assert.equal(stats.unresolved, 0);
    assert.deepEqual(stats.files, []);
  });

  test('day 5: corrected purchases, a late file for an old month, a dirty file; only the months touched are rewritten', async () => {
    const before = await objects(incremental, 'silver');
    const goldBefore = await objects(incremental, 'gold');
    // 40 purchases of day 1, all of one month, get a new amount; 10 of them also move to July 2025.
    const day1 = achats.filter((a) => id(a) <= 3000 && client(a) <= 200);
    const month = day1[0]![2]!.slice(0, 7);
    const picked = day1.filter((a) => a[2]!.startsWith(month)).slice(0, 40);
    assert.equal(picked.length, 40);
    const corrections = picked.map((a, i) => {
      const r = a.slice();
      r[3] = (Number(r[3]) + 1).toFixed(2);
      if (i < 10) r[2] = '2025-07-15 12:00:00';
      return r;
    });
    const lateMonth = Array.from({ length: 30 }, (_, i) => [String(10_001 + i), String(1 + i), `2025-03-${String(1 + (i % 28)).padStart(2, '0')} 09:00:00`, '12.50', 'Mouse']);
    const dirty = [
      ['20001', '1', '2026-05-01 10:00:00', '10.00', 'Phone'],
      ['20002', '2', '2026-05-01 10:00:00', '-4.00', 'Phone'],
      ['20003', '3', 'yesterday', '10.00', 'Phone'],
      ['20004', '99999', '2026-05-01 10:00:00', '10.00', 'Phone'],
      ['20001', '1', '2026-05-02 10:00:00', '11.00', 'Phone'],
      ['20005', '4', '2026-05-01 10:00:00', '10.00', 'phone '],
    ];
    const s = await drop({
      'achats_2026-06-05_corrections.csv': csv(ACHATS_HEADER, corrections),
      'achats_2025-03-late.csv': csv(ACHATS_HEADER, lateMonth),
      'achats_2026-06-05_dirty.csv': csv(ACHATS_HEADER, dirty),
    });
    const stats = silverStats(s, 'achats');
    assert.equal(stats.replaced, 40);
    assert.equal(stats.rowsOut, 40 + 30 + 2);
    assert.equal(stats.unresolved, 1, 'the purchase of client 99999 waits for it');
    assert.deepEqual(stats.reasons, { 'not_positive:montant': 1, 'invalid_date:date_achat': 1, 'duplicate_key:id_achat': 1, 'unknown_reference:id_client': 1 });

    const expected = new Set([month, '2025-07', '2025-03', '2026-05']);
    const written = [...stats.partitionsWritten, ...(stats.partitionsAppended ?? [])];
    assert.deepEqual(new Set(written.map((p) => p.slice('month='.length))), expected);
    assert.ok(stats.partitionsWritten.includes(`month=${month}`), 'the month whose purchases were corrected is rewritten');
    const after = await objects(incremental, 'silver');
    // A month that only received new rows keeps its files and gains one.
    assert.ok((stats.partitionsAppended ?? []).length > 0, 'some existing month only received rows');
    for (const p of stats.partitionsAppended ?? []) {
      const had = [...before.keys()].filter((k) => k.startsWith(`achats/${p}/`));
      const has = [...after.keys()].filter((k) => k.startsWith(`achats/${p}/`));
      assert.ok(had.length > 0, `${p} existed`);
      assert.deepEqual(has.filter((k) => had.includes(k)), had, `${p} keeps its files`);
      assert.equal(has.length, had.length + 1, `${p} gains one file`);
    }
    const untouched = [...before.keys()].filter((k) => k.startsWith('achats/month=') && !expected.has(k.slice('achats/month='.length, 'achats/month='.length + 7)));
    assert.ok(untouched.length >= 5, `most months are untouched (${untouched.length})`);
    for (const k of untouched) assert.equal(after.get(k), before.get(k), `${k} was not rewritten`);
    assert.equal(keyStarting(after, 'clients/'), keyStarting(before, 'clients/'), 'clients untouched');
    // Gold rebuilds the fact of those months only; the others keep their objects.
    const gold = s.stages.find((x) => x.stage === 'gold')!.details;
    const factMonths = [...goldBefore.keys()].filter((k) => k.startsWith('fact_achats/'));
    assert.equal(gold['partitionsKept'], factMonths.length - 3, JSON.stringify(gold));
    const goldAfter = await objects(incremental, 'gold');
    for (const k of factMonths) {
      const rewritten = expected.has(k.slice('fact_achats/month='.length, 'fact_achats/month='.length + 7));
      assert.equal(goldAfter.get(k) === goldBefore.get(k), !rewritten, `${k} ${rewritten ? 'rebuilt' : 'kept'}`);
    }
    assert.ok(keyStarting(goldAfter, 'fact_achats/month=2025-03/'), 'the new month is built');
    // The dirty file's rejected rows can be browsed in its own quarantine object, with their reasons.
    assert.ok([...after.keys()].some((k) => /^quarantine\/achats\/ingest_date=[\d-]+\/achats_2026-06-05_dirty\/[\w.-]+\.parquet$/.test(k)));
    assert.ok(keyStarting(after, 'quarantine/achats/unknown_reference/'));
  });

  test('day 6: a new version of day 2 (same name, new content) replaces its rows: the dataset is rebuilt from its latest files, the rows the new version lacks withdrawn', async () => {
    const first = achats.filter((a) => id(a) > 3000 && id(a) <= 4500 && client(a) <= 200);
    // The correction withdraws 5 purchases, changes 20 amounts and adds 10 purchases.
    const day2 = first.slice(5).map((a, i) => {
      const r = a.slice();
      if (i < 20) r[3] = '77.77';
      return r;
    });
    const extra = Array.from({ length: 10 }, (_, i) => [String(30_001 + i), '7', '2026-06-01 08:00:00', '5.00', 'Webcam']);
    const before = silverStats([...runs].reverse().find((r) => silverStats(r, 'achats') !== undefined)!, 'achats').rows;
    const s = await drop({ 'achats_2026-06-02.csv': csv(ACHATS_HEADER, [...day2, ...extra]) });
    assert.equal((s.stages[0]!.details['files'] as Record<string, string>)['achats_2026-06-02.csv'], 'new version');
    assert.match(String((s.stages[1]!.details['revised'] as string[])[0]), /^achats was rebuilt from its latest files, as a new version of achats_2026-06-02\.csv came/);
    assert.equal(silverStats(s, 'achats').rows, before - 5 + 10);
  });

  test('a run with no new input changes no object and republishes nothing', async () => {
    const silver = await objects(incremental, 'silver');
    const gold = await objects(incremental, 'gold');
    const serving = openServingStore(incremental);
    const published = await serving.lastPublish();
    await serving.close();
    const s = await drop({});
    assert.deepEqual(s.stages.slice(1).map((x) => typeof x.details['skipped']), ['string', 'string', 'string', 'string']);
    assert.deepEqual(await objects(incremental, 'silver'), silver);
    assert.deepEqual(await objects(incremental, 'gold'), gold);
    const again = openServingStore(incremental);
    assert.deepEqual(await again.lastPublish(), published);
    await again.close();
  });

  test('silver, gold and the published KPIs equal a from-scratch run over the final sources folder', async () => {
    await fs.cp(incremental.sourcesDir, scratch.sourcesDir, { recursive: true });
    const { error } = await runPipeline({ config: scratch });
    assert.equal(error, undefined, String(error));

    const engine = await Engine.open(incremental.duckdb, path.join(incremental.dataDir, 'spill'));
    try {
      const differences = async (a: string, b: string) => {
        const cols = (await engine.columns(`SELECT * FROM ${a}`)).map((c) => (c.type === 'DOUBLE' ? `round("${c.name}", 6) AS "${c.name}"` : `"${c.name}"`)).join(', ');
        const [r] = await engine.rows(`SELECT (SELECT count(*) FROM (SELECT ${cols} FROM ${a} EXCEPT ALL SELECT ${cols} FROM ${b})) + (SELECT count(*) FROM (SELECT ${cols} FROM ${b} EXCEPT ALL SELECT ${cols} FROM ${a})) AS n, (SELECT count(*) FROM ${a}) AS rows`);
        return { differing: Number(r!['n']), rows: Number(r!['rows']) };
      };
      for (const dataset of ['clients', 'achats']) {
        const read = async (c: Config) => parquetFiles(silverObjects((await readStates(openObjectStore(c), c.project)).silver, dataset).map((k) => path.join(c.lakeDir, 'silver', k)));
        const d = await differences(await read(incremental), await read(scratch));
        assert.ok(d.rows > 0);
        assert.equal(d.differing, 0, `silver ${dataset} differs from the from-scratch run`);
      }
      const [mine, theirs] = [await goldTableReaders(incremental), await goldTableReaders(scratch)];
      assert.equal(Object.keys(theirs).length, 15, 'six models and nine KPIs');
      assert.deepEqual(Object.keys(mine), Object.keys(theirs));
      for (const t of Object.keys(theirs)) {
        const d = await differences(mine[t]!, theirs[t]!);
        assert.equal(d.differing, 0, `gold ${t} differs from the from-scratch run`);
      }
      // The corrections are there: client 5's new country, a corrected amount, a moved date.
      const [moved] = await engine.rows(`SELECT count(*) AS n FROM ${mine.fact_achats} WHERE date_achat = TIMESTAMP '2025-07-15 12:00:00'`);
      assert.ok(Number(moved!['n']) >= 10);
    } finally {
      engine.close();
    }

    const round = (rows: unknown) => JSON.parse(JSON.stringify(rows), (_k, v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v));
    const a = openServingStore(incremental);
    const b = openServingStore(scratch);
    try {
      for (const table of ['kpi_ca_par_pays', 'kpi_volumes_mois', 'kpi_distribution', 'kpi_croissance']) {
        assert.deepEqual(round(await a.read(table)), round(await b.read(table)), table);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
