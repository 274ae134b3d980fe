import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { shopDataset } from '../../test/support/shop.js';
import { Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { mergeDataset, type MergeInput, type MergeResult } from './merge.js';
import { rowsNotLoaded } from './already-loaded.js';
import { CoverageRebuild } from './covering.js';

// The merge without a key: rows are appended, a new version of a file name replaces its rows, and a
// dated row that another file gives already (an export downloaded again under a new name) is not added again.

const achats = shopDataset('achats');
/** Dated rows (date_achat), partitioned by month, without a key. */
const dated: DatasetSpec = { ...achats, key: [], references: [] };
/** The same rows without their date: answers that may repeat by chance. */
const { date_achat: _, ...undatedColumns } = achats.columns;
const { partitionBy: __, ...unpartitioned } = dated;
const undated: DatasetSpec = { ...unpartitioned, columns: undatedColumns };

let engine: Engine;
let dir: string;
let n = 0;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'merge-keyless-'));
  engine = await Engine.open({ threads: 2, memoryLimit: '512MB' }, path.join(dir, 'spill'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

type Row = [number, number, string | null, number | null, string | null];
/** A relation of cleaned rows: [id_achat, id_client, 'YYYY-MM-DD' or null, montant, produit]. */
async function cleaned(rows: Row[]): Promise<string> {
  const name = `t${++n}`;
  const sql = (v: string | number | null, type: string) => (v === null ? `NULL::${type}` : typeof v === 'string' ? `'${v}'::${type}` : `${v}::${type}`);
  const values = rows.map(([a, c, d, m, p], i) => `(${a}::BIGINT, ${c}::BIGINT, ${d === null ? 'NULL::TIMESTAMP' : `TIMESTAMP '${d} 10:00:00'`}, ${sql(m, 'DECIMAL(18,2)')}, ${sql(p, 'VARCHAR')}, ${i + 1}::BIGINT)`).join(', ');
  await engine.run(`CREATE TEMP TABLE ${name} AS SELECT * FROM (VALUES ${values}) t(id_achat, id_client, date_achat, montant, produit, _record)`);
  return name;
}

type Files = { partition: string; file: string }[];
async function merge(spec: DatasetSpec, incoming: { rows: Row[]; name: string }[], existing: Files, extra: Partial<MergeInput> = {}): Promise<{ result: MergeResult; files: Files; orphansFile?: string }> {
  const outDir = path.join(dir, `out${++n}`);
  await fs.mkdir(outDir);
  const relations = await Promise.all(incoming.map(async (f) => ({ relation: await cleaned(f.rows), source: f.name, name: f.name })));
  const result = await mergeDataset(engine, { spec, outDir, incoming: relations, existing, ...extra });
  const files = [...existing.filter((e) => !result.touched.includes(e.partition)), ...result.written.map((w) => ({ partition: w.partition, file: w.file }))];
  const orphansFile = result.orphans.changed ? result.orphans.file : extra.orphansFile;
  return { result, files, ...(orphansFile ? { orphansFile } : {}) };
}

/** Silver's rows, sorted: id, amount, product, file name. */
const silverRows = async (files: Files) =>
  (await engine.rows(`SELECT id_achat, montant, produit, _source FROM read_parquet([${files.map((f) => `'${f.file}'`).join(', ')}], hive_partitioning = false) ORDER BY ALL`)).map((r) => [r['id_achat'], r['montant'], r['produit'], r['_source']]);

const buy: Row = [1, 1, '2024-01-31', -1844, 'AAPL'];
const dividend: Row = [1, 1, '2024-01-30', 12.5, 'AAPL'];
const msft: Row = [1, 1, '2024-01-30', 9.1, 'MSFT'];
const sold: Row = [1, 1, '2024-02-02', 900, 'AAPL'];

describe('merge without a key: rows already loaded from another file', () => {
  test('an export downloaded again under a new name over part of the dates adds only its new rows, counted; only the partitions of new rows change', async () => {
    const first = await merge(dated, [{ rows: [buy, dividend, msft], name: 'History.csv' }], []);
    // From January 31st: the 30th's rows are not in it, so it covers nothing (covering.ts).
    const again = await merge(dated, [{ rows: [sold, buy], name: 'History (1).csv' }], first.files);
    assert.deepEqual(again.result.counts, { incoming: 1, replaced: 0, superseded: 0, alreadyLoaded: 1, newOrphans: 0, promoted: 0, rows: 4 });
    assert.deepEqual(again.result.covers, []);
    assert.deepEqual([again.result.touched, again.result.appended], [['month=2024-02'], []], 'January, whose rows were all held, is left as it was');
    assert.deepEqual(await silverRows(again.files), [[1, -1844, 'AAPL', 'History.csv'], [1, 9.1, 'MSFT', 'History.csv'], [1, 12.5, 'AAPL', 'History.csv'], [1, 900, 'AAPL', 'History (1).csv']]);
    // Both files in one run (a first load, a rebuild) end the same.
    const both = await merge(dated, [{ rows: [buy, dividend, msft], name: 'History.csv' }, { rows: [sold, buy], name: 'History (1).csv' }], []);
    assert.deepEqual([both.result.counts.incoming, both.result.counts.alreadyLoaded, both.result.counts.rows], [4, 1, 4]);
    assert.deepEqual(await silverRows(both.files), await silverRows(again.files));
  });

  test('only the silver partitions the new rows fall into are read', async () => {
    const first = await merge(dated, [{ rows: [buy, dividend, msft, sold], name: 'a.csv' }], []);
    // A February file that cannot be read: a February row would fail reading it.
    const broken = path.join(dir, 'broken.parquet');
    await fs.writeFile(broken, 'not parquet');
    const existing = [...first.files.filter((f) => f.partition !== 'month=2024-02'), { partition: 'month=2024-02', file: broken }];
    const union = async (rows: Row[]) => `SELECT *, 'b.csv' AS _source, 0 AS _file FROM ${await cleaned(rows)}`;
    const january = await rowsNotLoaded(engine, dated, await union([buy, [2, 1, '2024-01-15', 1, 'new']]), { existing, others: `_source <> 'b.csv'` });
    assert.deepEqual((await engine.rows(`SELECT id_achat FROM (${january})`)).map((r) => r['id_achat']), [2]);
    const february = await rowsNotLoaded(engine, dated, await union([sold]), { existing, others: `_source <> 'b.csv'` });
    await assert.rejects(engine.rows(`SELECT * FROM (${february})`), /broken\.parquet/);
  });

  test('rows equal with their missing values count as equal; a row differing in one value is a row of its own', async () => {
    // (a.csv's February row, which b.csv has not, keeps b.csv from covering it.)
    const a: Row[] = [[1, 1, '2024-03-01', null, 'x'], [2, 1, null, 5, null], [3, 1, '2024-03-02', 7, 'y'], [4, 1, '2024-02-01', 1, 'z']];
    const first = await merge(dated, [{ rows: a, name: 'a.csv' }], []);
    const b: Row[] = [[1, 1, '2024-03-01', null, 'x'], [2, 1, null, 5, null], [3, 1, '2024-03-02', 7, null], [2, 1, null, 6, null]];
    const second = await merge(dated, [{ rows: b, name: 'b.csv' }], first.files);
    assert.deepEqual([second.result.counts.incoming, second.result.counts.alreadyLoaded, second.result.counts.rows], [2, 2, 6]);
    assert.deepEqual((await silverRows(second.files)).map((r) => r.slice(0, 3)), [[1, null, 'x'], [2, 5, null], [2, 6, null], [3, 7, 'y'], [3, 7, null], [4, 1, 'z']]);
  });

  test('duplicates: keep counts copies: a file adds only the copies it has beyond those held', async () => {
    const keep: DatasetSpec = { ...dated, keepDuplicates: true };
    const charge: Row = [1, 1, '2024-04-05', 4.5, 'coffee'];
    // Statements over the 5th and a day of their own after it, each later one ending sooner: none covers another.
    const own = (day: number): Row => [9, 1, `2024-04-${day}`, 1, 'own'];
    const first = await merge(keep, [{ rows: [charge, charge, own(20)], name: 'statement.csv' }], []);
    assert.equal(first.result.counts.rows, 3);
    const two = await merge(keep, [{ rows: [charge, charge, own(19)], name: 'statement (1).csv' }], first.files);
    assert.deepEqual([two.result.counts.incoming, two.result.counts.alreadyLoaded, two.result.counts.rows], [1, 2, 4]);
    const three = await merge(keep, [{ rows: [charge, charge, charge, own(18)], name: 'statement (2).csv' }], two.files);
    assert.deepEqual([three.result.counts.incoming, three.result.counts.alreadyLoaded, three.result.counts.rows], [2, 2, 6]);
    const one = await merge(keep, [{ rows: [charge, own(17)], name: 'statement (3).csv' }], three.files);
    assert.deepEqual([one.result.counts.incoming, one.result.counts.alreadyLoaded, one.result.counts.rows], [1, 1, 7]);
    assert.deepEqual([two, three, one].map((r) => r.result.covers), [[], [], []]);
    // The same charges in one run, in another order: the most copies a file has, 3.
    const together = await merge(keep, [[charge], [charge, charge, charge], [charge, charge], [charge, charge]].map((rows, i) => ({ rows: [...rows, own(20 - i)], name: `s${i}.csv` })), []);
    assert.deepEqual([together.result.counts.incoming, together.result.counts.alreadyLoaded, together.result.counts.rows], [7, 5, 7]);
  });

  test('a new version of the same file name still replaces its rows; another name holding a row keeps it', async () => {
    const march: Row = [2, 1, '2024-03-01', 5, 'MSFT'];
    const first = await merge(dated, [{ rows: [buy, dividend], name: 'a.csv' }, { rows: [msft, march], name: 'b.csv' }], []);
    const version = await merge(dated, [{ rows: [buy, dividend, msft, sold], name: 'a.csv' }], first.files);
    assert.deepEqual([version.result.counts.replaced, version.result.counts.incoming, version.result.counts.alreadyLoaded, version.result.counts.rows], [2, 3, 1, 5]);
    assert.deepEqual((await silverRows(version.files)).map((r) => r[3]), ['a.csv', 'b.csv', 'a.csv', 'a.csv', 'b.csv']);
  });

  test('without a date column, identical rows of two files are appended (a survey answered alike twice)', async () => {
    const first = await merge(undated, [{ rows: [buy, dividend, msft], name: 'answers.csv' }], []);
    const second = await merge(undated, [{ rows: [sold, buy, dividend, msft], name: 'answers (1).csv' }], first.files);
    assert.deepEqual([second.result.counts.incoming, second.result.counts.alreadyLoaded, second.result.counts.rows], [4, 0, 7]);
  });

  test('a row waiting for its reference is held too: the same row of another file is not added again once it is released', async () => {
    const clients = async (ids: number[]) => {
      const name = `c${++n}`;
      await engine.run(`CREATE TEMP TABLE ${name} AS SELECT * FROM (VALUES ${ids.map((i) => `(${i}::BIGINT)`).join(', ')}) t(id_client)`);
      return `SELECT id_client FROM ${name}`;
    };
    const referencing: DatasetSpec = { ...achats, key: [] };
    const late: Row = [7, 9, '2024-05-01', 3, 'Phone'];
    const first = await merge(referencing, [{ rows: [buy, late], name: 'a.csv' }], [], { referenced: [await clients([1])] });
    assert.deepEqual([first.result.counts.rows, first.result.orphans.rows], [1, 1]);
    const second = await merge(referencing, [{ rows: [late, dividend], name: 'b.csv' }], first.files, { orphansFile: first.orphansFile!, referenced: [await clients([1])] });
    assert.deepEqual([second.result.counts.alreadyLoaded, second.result.counts.newOrphans, second.result.orphans.rows, second.result.counts.rows], [1, 0, 1, 2]);
    const released = await merge(referencing, [], second.files, { orphansFile: second.orphansFile!, referenced: [await clients([1, 9])] });
    assert.deepEqual([released.result.counts.promoted, released.result.counts.rows], [1, 3]);
  });
});

/** Silver's state of the dataset after a merge, as combine.ts keeps it for the next one. */
const stateAfter = (r: MergeResult, before?: MergeInput['covering']): MergeInput['covering'] => ({
  spans: r.spans!,
  overlaps: before?.overlaps === true || r.counts.alreadyLoaded > 0 || (r.covers?.length ?? 0) > 0,
  rebuildable: true,
});
const withoutSource = async (files: Files) => (await silverRows(files)).map((r) => r.slice(0, 3));

describe('merge without a key: a new file covering an earlier one', () => {
  // Toggl's time entries for January, then a corrected download: an entry shortened from 200 to 100.
  const first = 'Toggl_time_entries_2024-01-01_to_2024-01-31.csv';
  const corrected = 'Toggl_time_entries_2024-01-01_to_2024-01-31 (1).csv';
  const standup: Row = [1, 1, '2024-01-02', 25, 'Standup'];
  const review: Row = [2, 1, '2024-01-02', 200, 'Code review'];
  const shortened: Row = [2, 1, '2024-01-02', 100, 'Code review'];
  const deploy: Row = [3, 2, '2024-01-03', 100, 'Deploy'];
  const january = { rows: [standup, review, deploy], name: first };
  const correction = { rows: [standup, shortened, deploy], name: corrected };
  // A statement from January 3rd to February: part of the first file's dates.
  const statement = { rows: [deploy, [4, 2, '2024-02-05', 50, 'Planning'] as Row], name: 'Toggl_time_entries_2024-01-03_to_2024-02-15.csv' };

  test('a corrected download under a new name replaces the rows of the first: the changed row is not added beside the old one; in one run too', async () => {
    const one = await merge(dated, [january], []);
    const two = await merge(dated, [correction], one.files, { covering: stateAfter(one.result) });
    assert.deepEqual(two.result.covers, [{ file: corrected, covered: first, shared: 2, rows: 3 }]);
    assert.deepEqual([two.result.counts.replaced, two.result.counts.incoming, two.result.counts.alreadyLoaded, two.result.counts.rows], [3, 3, 0, 3]);
    assert.deepEqual(await silverRows(two.files), [[1, 25, 'Standup', corrected], [2, 100, 'Code review', corrected], [3, 100, 'Deploy', corrected]]);
    assert.deepEqual(Object.keys(two.result.spans!), [corrected]);
    // Both in one run: the first file's rows are superseded, counted.
    const both = await merge(dated, [january, correction], []);
    assert.deepEqual(both.result.covers, two.result.covers);
    assert.deepEqual([both.result.counts.superseded, both.result.counts.incoming, both.result.counts.rows], [3, 3, 3]);
    assert.deepEqual(await silverRows(both.files), await silverRows(two.files));
  });

  test('a download repeating fewer of the rows, or missing some of the dates, covers nothing', async () => {
    const one = await merge(dated, [january], []);
    const other = await merge(dated, [{ rows: [standup, shortened, [3, 2, '2024-01-03', 50, 'Deploy']], name: 'other.csv' }], one.files, { covering: stateAfter(one.result) });
    assert.deepEqual([other.result.covers, other.result.counts.alreadyLoaded, other.result.counts.rows], [[], 1, 5]);
    const part = await merge(dated, [statement], one.files, { covering: stateAfter(one.result) });
    assert.deepEqual([part.result.covers, part.result.counts.incoming, part.result.counts.alreadyLoaded, part.result.counts.rows], [[], 1, 1, 4]);
  });

  test('file by file or in one run, the same rows: withdrawing a file whose dates a partly repeating file shares takes a rebuild', async () => {
    const expected = [[1, 25, 'Standup'], [2, 100, 'Code review'], [3, 100, 'Deploy'], [4, 50, 'Planning']];
    // The statement after the correction: nothing of the corrected file's left out.
    const one = await merge(dated, [january], []);
    const two = await merge(dated, [correction], one.files, { covering: stateAfter(one.result) });
    const three = await merge(dated, [statement], two.files, { covering: stateAfter(two.result, stateAfter(one.result)) });
    assert.deepEqual(await withoutSource(three.files), expected);
    assert.deepEqual(await withoutSource((await merge(dated, [january, correction, statement], [])).files), expected);
    // The statement before: its Deploy was left out as the first file's, which the correction withdraws.
    const before = await merge(dated, [statement], one.files, { covering: stateAfter(one.result) });
    const covering = stateAfter(before.result, stateAfter(one.result));
    await assert.rejects(merge(dated, [correction], before.files, { covering }), (err: unknown) => err instanceof CoverageRebuild && /covers Toggl_time_entries_2024-01-01_to_2024-01-31\.csv, whose dates Toggl_time_entries_2024-01-03_to_2024-02-15\.csv shares/.test(err.reason));
    // The rebuild, one run over the files: the first covered, the statement's rows kept.
    const rebuilt = await merge(dated, [january, statement, correction], []);
    assert.deepEqual([rebuilt.result.covers?.length, rebuilt.result.counts.superseded, rebuilt.result.counts.alreadyLoaded], [1, 3, 1]);
    assert.deepEqual(await withoutSource(rebuilt.files), expected);
  });
});
