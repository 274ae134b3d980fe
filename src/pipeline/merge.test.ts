import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { shopDataset } from '../../test/support/shop.js';
import { Engine } from '../engine/duckdb.js';
import { QualityError } from '../errors.js';
import { APPEND_LIMIT, mergeDataset, type MergeInput, type MergeResult } from './merge.js';

const achats = shopDataset('achats');
const clients = shopDataset('clients');

// The merge by key on hand-written rows: later files win, only touched partitions are rewritten,
// missing references wait and are released, and the dataset-wide rules.

let engine: Engine;
let dir: string;
let n = 0;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'merge-'));
  engine = await Engine.open({ threads: 2, memoryLimit: '512MB' }, path.join(dir, 'spill'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A relation of cleaned purchases: [id_achat, id_client, 'YYYY-MM-DD', montant]. */
async function purchases(rows: [number, number, string, number][]): Promise<string> {
  const name = `p${++n}`;
  const values = rows.map(([a, c, d, m], i) => `(${a}::BIGINT, ${c}::BIGINT, TIMESTAMP '${d} 10:00:00', ${m}::DECIMAL(18,2), 'Phone', ${i + 1}::BIGINT)`).join(', ');
  await engine.run(`CREATE TEMP TABLE ${name} AS SELECT * FROM (VALUES ${values}) t(id_achat, id_client, date_achat, montant, produit, _record)`);
  return name;
}

async function knownClients(ids: number[]): Promise<string> {
  const name = `c${++n}`;
  await engine.run(`CREATE TEMP TABLE ${name} AS SELECT * FROM (VALUES ${ids.map((i) => `(${i}::BIGINT)`).join(', ')}) t(id_client)`);
  return `SELECT id_client FROM ${name}`;
}

/** Runs a merge, then "uploads" its output by returning the dataset's files after it, as silver would. */
async function merge(input: Omit<MergeInput, 'outDir' | 'spec'>, spec = achats): Promise<{ result: MergeResult; files: { partition: string; file: string }[]; orphansFile?: string }> {
  const outDir = path.join(dir, `out${++n}`);
  await fs.mkdir(outDir);
  const result = await mergeDataset(engine, { spec, outDir, ...input });
  const files = [...input.existing.filter((e) => !result.touched.includes(e.partition)), ...result.written.map((w) => ({ partition: w.partition, file: w.file }))];
  const orphansFile = result.orphans.changed ? result.orphans.file : input.orphansFile;
  return { result, files, ...(orphansFile ? { orphansFile } : {}) };
}

const silverRows = async (files: { file: string }[]) =>
  (await engine.rows(`SELECT id_achat, montant, strftime(date_achat, '%Y-%m') AS month FROM read_parquet([${files.map((f) => `'${f.file}'`).join(', ')}], hive_partitioning = false) ORDER BY id_achat`)).map(
    (r) => [r['id_achat'], r['montant'], r['month']],
  );

describe('merge into silver by key', () => {
  test('a later file replaces the rows of an earlier one; only the partitions touched are rewritten', async () => {
    const refs = await knownClients([1]);
    const day1 = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-01-05', 10], [2, 1, '2026-02-05', 20], [3, 1, '2026-03-05', 30]]), source: 'd1', name: 'd1' }], existing: [], referenced: [refs] });
    assert.deepEqual(day1.result.touched, ['month=2026-01', 'month=2026-02', 'month=2026-03']);
    assert.equal(day1.result.counts.rows, 3);

    // Row 2 is corrected and moves to April; row 4 is new in April. January and March are untouched.
    const day2 = await merge({ incoming: [{ relation: await purchases([[2, 1, '2026-04-01', 21], [4, 1, '2026-04-02', 40]]), source: 'd2', name: 'd2' }], existing: day1.files, referenced: [refs] });
    assert.deepEqual(day2.result.touched, ['month=2026-02', 'month=2026-04']);
    assert.deepEqual(day2.result.written.map((w) => w.partition), ['month=2026-04'], 'February is left empty');
    assert.deepEqual(day2.result.counts, { incoming: 2, replaced: 1, superseded: 0, alreadyLoaded: 0, newOrphans: 0, promoted: 0, rows: 4 });
    assert.deepEqual(await silverRows(day2.files), [[1, 10, '2026-01'], [2, 21, '2026-04'], [3, 30, '2026-03'], [4, 40, '2026-04']]);
  });

  test('a partition that only receives new keys gets them as one more file; one of APPEND_LIMIT files is rewritten whole', async () => {
    const refs = await knownClients([1]);
    let state = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-05-05', 10]]), source: 'd0', name: 'd0' }], existing: [], referenced: [refs] });
    assert.deepEqual(state.result.touched, ['month=2026-05'], 'a partition with no file yet is written');
    for (let day = 1; day < APPEND_LIMIT; day++) {
      state = await merge({ incoming: [{ relation: await purchases([[1 + day, 1, '2026-05-06', day]]), source: `d${day}`, name: `d${day}` }], existing: state.files, referenced: [refs] });
      assert.deepEqual([state.result.touched, state.result.appended], [[], ['month=2026-05']], `day ${day} appends`);
      assert.equal(state.files.length, day + 1);
    }
    const full = await merge({ incoming: [{ relation: await purchases([[999, 1, '2026-05-07', 1]]), source: 'dx', name: 'dx' }], existing: state.files, referenced: [refs] });
    assert.deepEqual([full.result.touched, full.result.appended], [['month=2026-05'], []], 'rewritten at the limit');
    assert.equal(full.files.length, 1);
    assert.equal((await silverRows(full.files)).length, APPEND_LIMIT + 1);
    // A replaced row's partition is rewritten, not appended to, so no key is ever in two files.
    const fix = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-05-05', 11], [5000, 1, '2026-06-01', 5]]), source: 'dy', name: 'dy' }], existing: full.files, referenced: [refs] });
    assert.deepEqual([fix.result.touched, fix.result.appended], [['month=2026-05', 'month=2026-06'], []]);
    assert.equal((await silverRows(fix.files)).length, APPEND_LIMIT + 2);
  });

  test('without a key: a row waiting for its reference is released when it arrives, though no new file of the dataset came', async () => {
    const keyless = { ...achats, key: [] };
    const first = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-01-05', 10], [2, 9, '2026-01-06', 20]]), source: 'a', name: 'a.csv' }], existing: [], referenced: [await knownClients([1])] }, keyless);
    assert.deepEqual([first.result.counts.rows, first.result.orphans.rows], [1, 1]);
    const second = await merge({ incoming: [], existing: first.files, ...(first.orphansFile ? { orphansFile: first.orphansFile } : {}), referenced: [await knownClients([1, 9])] }, keyless);
    assert.deepEqual([second.result.counts.promoted, second.result.orphans.rows, second.result.counts.rows], [1, 0, 2]);
    assert.deepEqual((await silverRows(second.files)).map((r) => r[0]), [1, 2]);
  });

  test('of several new files, the latest row of a key wins', async () => {
    const refs = await knownClients([1]);
    const a = await purchases([[1, 1, '2026-01-05', 10], [2, 1, '2026-01-06', 20]]);
    const b = await purchases([[1, 1, '2026-01-05', 11]]);
    const c = await purchases([[1, 1, '2026-01-05', 12], [3, 1, '2026-01-07', 30]]);
    const { files, result } = await merge({ incoming: [{ relation: a, source: 'a', name: 'a' }, { relation: b, source: 'b', name: 'b' }, { relation: c, source: 'c', name: 'c' }], existing: [], referenced: [refs] });
    assert.deepEqual(await silverRows(files), [[1, 12, '2026-01'], [2, 20, '2026-01'], [3, 30, '2026-01']]);
    // Five rows came in: three kept, two earlier versions of purchase 1 superseded (counted, not lost).
    assert.equal(result.counts.incoming, 3);
    assert.equal(result.counts.superseded, 2);
  });

  test('references: a purchase of an unknown client waits in quarantine and is released when the client arrives', async () => {
    const first = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-01-05', 10], [2, 9, '2026-01-06', 20]]), source: 'd1', name: 'd1' }], existing: [], referenced: [await knownClients([1])] });
    assert.equal(first.result.counts.newOrphans, 1);
    const refCheck = first.result.quality.find((q) => q.rule === 'references')!;
    assert.deepEqual([refCheck.checked, refCheck.failed], [2, 1]);
    const waiting = await engine.rows(`SELECT _source_file, _record, _reason, _detail, id_achat FROM read_parquet('${first.orphansFile}')`);
    assert.deepEqual(waiting, [{ _source_file: 'd1', _record: 2, _reason: 'unknown_reference:id_client', _detail: 'id_client 9 has no row in clients', id_achat: '2' }]);

    // Client 9 arrives: no new purchase file, yet row 2 joins silver and the quarantine empties.
    const second = await merge({ incoming: [], existing: first.files, orphansFile: first.orphansFile!, referenced: [await knownClients([1, 9])] });
    assert.equal(second.result.counts.promoted, 1);
    assert.deepEqual(second.result.orphans, { changed: true, rows: 0 });
    assert.deepEqual(await silverRows(second.files), [[1, 10, '2026-01'], [2, 20, '2026-01']]);
  });

  test('a correction of a row naming an unknown client waits without withdrawing the row it corrects; released, it replaces it', async () => {
    const first = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-01-05', 10], [2, 1, '2026-01-06', 20]]), source: 'd1', name: 'd1' }], existing: [], referenced: [await knownClients([1])] });
    const correction = await merge({ incoming: [{ relation: await purchases([[2, 9, '2026-01-06', 25]]), source: 'd2', name: 'd2' }], existing: first.files, referenced: [await knownClients([1])] });
    assert.deepEqual([correction.result.counts.newOrphans, correction.result.counts.replaced], [1, 0]);
    assert.deepEqual(await silverRows(correction.files), [[1, 10, '2026-01'], [2, 20, '2026-01']]);
    const released = await merge({ incoming: [], existing: correction.files, orphansFile: correction.orphansFile!, referenced: [await knownClients([1, 9])] });
    assert.deepEqual([released.result.counts.promoted, released.result.counts.replaced], [1, 1]);
    assert.deepEqual(await silverRows(released.files), [[1, 10, '2026-01'], [2, 25, '2026-01']]);
    // The row and its waiting correction in one merge (a rebuild, or two files in one run): the same.
    const both = await merge({
      incoming: [
        { relation: await purchases([[1, 1, '2026-01-05', 10], [2, 1, '2026-01-06', 20]]), source: 'd1', name: 'd1' },
        { relation: await purchases([[2, 9, '2026-01-06', 25]]), source: 'd2', name: 'd2' },
      ],
      existing: [],
      referenced: [await knownClients([1])],
    });
    assert.deepEqual([both.result.counts.newOrphans, both.result.counts.superseded], [1, 0]);
    assert.deepEqual(await silverRows(both.files), [[1, 10, '2026-01'], [2, 20, '2026-01']]);
    // A later row that joins silver supersedes both before it, the waiting one too.
    const last = await merge({
      incoming: [
        { relation: await purchases([[2, 1, '2026-01-06', 20]]), source: 'd1', name: 'd1' },
        { relation: await purchases([[2, 9, '2026-01-06', 25]]), source: 'd2', name: 'd2' },
        { relation: await purchases([[2, 1, '2026-01-06', 30]]), source: 'd3', name: 'd3' },
      ],
      existing: [],
      referenced: [await knownClients([1])],
    });
    assert.deepEqual([last.result.counts.newOrphans, last.result.counts.superseded], [0, 2]);
    assert.deepEqual(await silverRows(last.files), [[2, 30, '2026-01']]);
  });

  test('a first load of one file of known size is counted by its write, and by reference when some rows wait', async () => {
    const rows = [[1, 1, '2026-01-05', 10], [2, 9, '2026-02-06', 20]] as [number, number, string, number][];
    const all = await merge({ incoming: [{ relation: await purchases(rows), source: 'd1', name: 'd1', rows: 2 }], existing: [], referenced: [await knownClients([1, 9])] });
    assert.deepEqual([all.result.counts.incoming, all.result.counts.newOrphans, all.result.counts.rows, all.result.orphans.rows], [2, 0, 2, 0]);
    assert.deepEqual(all.result.touched, ['month=2026-01', 'month=2026-02']);
    const waits = await merge({ incoming: [{ relation: await purchases(rows), source: 'd1', name: 'd1', rows: 2 }], existing: [], referenced: [await knownClients([1])] });
    assert.deepEqual([waits.result.counts.incoming, waits.result.counts.newOrphans, waits.result.counts.rows, waits.result.orphans.rows], [2, 1, 1, 1]);
    const refCheck = waits.result.quality.find((q) => q.rule === 'references')!;
    assert.deepEqual([refCheck.checked, refCheck.failed], [2, 1]);
    assert.deepEqual(await silverRows(waits.files), [[1, 10, '2026-01']]);
    assert.deepEqual((await engine.rows(`SELECT id_achat FROM read_parquet('${waits.orphansFile}')`)).map((r) => r['id_achat']), ['2']);
    // Every row waits, in a dataset of one folder: no file is added, not even an empty one.
    const { partitionBy: _, ...onePlace } = achats;
    const lenient = { ...onePlace, rules: achats.rules.filter((r) => r.rule !== 'not_empty' && r.rule !== 'no_all_null_column') };
    const none = await merge({ incoming: [{ relation: await purchases(rows), source: 'd1', name: 'd1', rows: 2 }], existing: [], referenced: [await knownClients([5])] }, lenient);
    assert.deepEqual([none.result.written, none.result.touched, none.result.counts.newOrphans, none.result.orphans.rows], [[], [], 2, 2]);
  });

  test('references as a warning keep the row and count it; as fatal they fail the run', async () => {
    const rows = [[1, 1, '2026-01-05', 10], [2, 9, '2026-01-06', 20]] as [number, number, string, number][];
    const warn = { ...achats, references: [{ ...achats.references[0]!, severity: 'warn' as const }] };
    const kept = await merge({ incoming: [{ relation: await purchases(rows), source: 'd1', name: 'd1' }], existing: [], referenced: [await knownClients([1])] }, warn);
    assert.deepEqual(await silverRows(kept.files), [[1, 10, '2026-01'], [2, 20, '2026-01']]);
    assert.equal(kept.result.quality.find((q) => q.rule === 'references')!.failed, 1);
    const fatal = { ...achats, references: [{ ...achats.references[0]!, severity: 'fatal' as const }] };
    await assert.rejects(merge({ incoming: [{ relation: await purchases(rows), source: 'd1', name: 'd1' }], existing: [], referenced: [await knownClients([1])] }, fatal), /achats: rule "references": 1 of 2 rows have a id_client with no row in clients, e\.g\. 9/);
  });

  test('nothing new and nothing released rewrites nothing', async () => {
    const refs = await knownClients([1]);
    const first = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-01-05', 10], [2, 7, '2026-01-06', 20]]), source: 'd1', name: 'd1' }], existing: [], referenced: [refs] });
    const again = await merge({ incoming: [], existing: first.files, orphansFile: first.orphansFile!, referenced: [refs] });
    assert.deepEqual(again.result.touched, []);
    assert.deepEqual(again.result.written, []);
    assert.equal(again.result.orphans.changed, false);
  });

  test('not_empty: a dataset with no valid row fails, naming the dataset and the rule', async () => {
    await assert.rejects(merge({ incoming: [{ relation: await purchases([[1, 5, '2026-01-05', 10]]), source: 'd1', name: 'd1' }], existing: [], referenced: [await knownClients([1])] }), (err: unknown) => {
      assert.ok(err instanceof QualityError);
      assert.equal(err.dataset, 'achats');
      assert.equal(err.rule, 'not_empty');
      return true;
    });
  });

  test('the dataset rules count rows and values over every file of the dataset, appended ones included', async () => {
    const refs = await knownClients([1]);
    const withoutProduct = async (ids: number[]) => {
      const name = `p${++n}`;
      await engine.run(`CREATE TEMP TABLE ${name} AS SELECT i::BIGINT AS id_achat, 1::BIGINT AS id_client, TIMESTAMP '2026-07-05 10:00:00' AS date_achat, 5::DECIMAL(18,2) AS montant, NULL::VARCHAR AS produit, i::BIGINT AS _record FROM unnest([${ids.join(', ')}]) t(i)`);
      return name;
    };
    // The rows counted, and each dataset rule's checks (not_empty checks the dataset once).
    const rules = (r: MergeResult) => ({ rows: r.counts.rows, ...Object.fromEntries(r.quality.filter((q) => q.rule !== 'references').map((q) => [q.rule, [q.checked, q.failed]])) });
    // July with products, then two files appended to it without: five rows in three files, the column not empty.
    const july = await merge({ incoming: [{ relation: await purchases([[1, 1, '2026-07-05', 7], [2, 1, '2026-07-06', 8]]), source: 'd1', name: 'd1' }], existing: [], referenced: [refs] });
    assert.deepEqual(rules(july.result), { rows: 2, not_empty: [1, 0], no_all_null_column: [5, 0] });
    const more = await merge({ incoming: [{ relation: await withoutProduct([3]), source: 'd2', name: 'd2' }], existing: july.files, referenced: [refs] });
    assert.deepEqual(rules(more.result), { rows: 3, not_empty: [1, 0], no_all_null_column: [5, 0] });
    const last = await merge({ incoming: [{ relation: await withoutProduct([4, 5]), source: 'd3', name: 'd3' }], existing: more.files, referenced: [refs] });
    assert.deepEqual(last.result.appended, ['month=2026-07']);
    assert.equal(last.files.length, 3);
    assert.deepEqual(rules(last.result), { rows: 5, not_empty: [1, 0], no_all_null_column: [5, 0] });
  });

  test('no_all_null_column: a column empty in every row fails', async () => {
    const name = `c${++n}`;
    await engine.run(`CREATE TEMP TABLE ${name} AS SELECT 1::BIGINT AS id_client, NULL::VARCHAR AS nom, 'a@b.c' AS email, DATE '2025-01-01' AS date_inscription, 'France' AS pays, 1::BIGINT AS _record`);
    await assert.rejects(merge({ incoming: [{ relation: name, source: 'c1', name: 'c1' }], existing: [] }, clients), /clients: rule "no_all_null_column": column nom is empty in every row/);
  });
});
