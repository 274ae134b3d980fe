import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DatasetSpec } from '../project/types.js';
import { shopDataset } from '../../test/support/shop.js';
import { Engine, type Row } from '../engine/duckdb.js';
import { QualityError } from '../errors.js';
import { cleanDataset, type CleaningStats, type QualityCheck } from './cleaning.js';
import { matchHeader, parseHeader } from './csv-header.js';
import { rejectWideLines } from './wide-rejects.js';

const achats = shopDataset('achats');
const clients = shopDataset('clients');

// Each cleaning rule on a few given rows, with the expected rows written out by hand.

let engine: Engine;
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cleaning-'));
  engine = await Engine.open({ threads: 2, memoryLimit: '512MB' }, path.join(dir, 'spill'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function clean(
  spec: DatasetSpec,
  csv: string,
  extra: { settings?: Record<string, number>; today?: string; rawLine?: boolean } = {},
): Promise<{ rows: Row[]; quarantine: Row[]; stats: CleaningStats; quality: QualityCheck[]; oneThread: boolean }> {
  const name = `case${++counter}`;
  const csvPath = path.join(dir, `${name}.csv`);
  await fs.writeFile(csvPath, csv);
  const outDir = path.join(dir, name);
  await fs.mkdir(outDir);
  const header = matchHeader(parseHeader(csv.split('\n')[spec.skipLines ?? 0]!, spec.delimiter), spec).names;
  const { rawLine: _rawLine, ...options } = extra;
  const result = await cleanDataset(engine, spec, csvPath, { header, sourceName: `${spec.name}.csv`, outDir, tag: `_${counter}`, today: '2026-06-15', ...options });
  try {
    return {
      rows: await engine.rows(`SELECT * EXCLUDE (_record) FROM ${result.validRelation} ORDER BY _record`),
      quarantine: result.quarantineFile ? await engine.rows(`SELECT _record, _line, _reason, _detail${extra.rawLine ? ', _raw_line' : ''} FROM read_parquet('${result.quarantineFile}')`) : [],
      stats: result.stats,
      quality: result.quality,
      oneThread: result.oneThread,
    };
  } finally {
    await result.dispose();
  }
}

const ACHATS_HEADER = 'id_achat,id_client,date_achat,montant,produit\n';

/** A dataset of the given columns keyed by `id`, with no rule, reference or partition. */
const keyedById = (name: string, nullValues: string[], columns: DatasetSpec['columns']): DatasetSpec => ({
  ...achats,
  name,
  key: ['id'],
  partitionBy: undefined,
  rules: [],
  references: [],
  nullValues,
  columns,
});
const CLIENTS_HEADER = 'id_client,nom,email,date_inscription,pays\n';

describe('silver cleaning rules', () => {
  test('values are trimmed and typed', async () => {
    const { rows, stats } = await clean(achats, ACHATS_HEADER + '  7 , 1 ,  2026-03-04 05:06:07 , 19.90 ,  Laptop  \n');
    assert.deepEqual(rows, [{ id_achat: 7, id_client: 1, date_achat: '2026-03-04 05:06:07', montant: 19.9, produit: 'Laptop' }]);
    assert.deepEqual(stats, { dataset: 'achats', rowsIn: 1, rowsOut: 1, quarantined: 0, emptyRows: 0, exactDuplicates: 0, reasons: {} });
  });

  test('empty rows are dropped and counted, blank lines ignored', async () => {
    // A line of spaces only is a blank line too, although the CSV reader rejects it (twice).
    const { rows, stats, quarantine } = await clean(achats, ACHATS_HEADER + '1,1,2026-01-01 00:00:00,5,Phone\n,,,,\n\n , , , , \n   \n2,2,2026-01-02 00:00:00,6,Mouse\n');
    assert.deepEqual(rows.map((r) => r['id_achat']), [1, 2]);
    assert.equal(stats.emptyRows, 2);
    assert.equal(quarantine.length, 0);
    assert.equal(stats.rowsIn, 4);
  });

  test('exact duplicates are dropped and counted; the comparison is on cleaned values', async () => {
    const { rows, stats, quarantine } = await clean(
      achats,
      ACHATS_HEADER + '1,1,2026-01-01 10:00:00,5.00,Phone\n1,1,2026-01-01 10:00:00,5.00,Phone\n 1 ,1,01/01/2026 10:00:00,5,phone\n',
    );
    assert.equal(rows.length, 1);
    assert.equal(stats.exactDuplicates, 2);
    assert.equal(quarantine.length, 0);
  });

  test('a later row with the key of an earlier one but other content is quarantined; the first one wins', async () => {
    const { rows, quarantine } = await clean(achats, ACHATS_HEADER + '1,1,2026-01-01 10:00:00,5.00,Phone\n2,1,2026-01-01 10:00:00,8.00,Phone\n1,2,2026-01-01 10:00:00,9.00,Mouse\n');
    assert.deepEqual(rows.map((r) => [r['id_achat'], r['montant']]), [[1, 5], [2, 8]]);
    assert.deepEqual(quarantine, [{ _record: 3, _line: null, _reason: 'duplicate_key:id_achat', _detail: 'id_achat 1 already seen in data row 1' }]);
  });

  test('on a file read in many parallel batches, row numbers and the first row of a key follow the file', async () => {
    // DuckDB turns a list of several constants (the allowed products, the null spellings) into a join,
    // which let the cleaned rows leave file order: at 300k rows these were reported as rows 245,691 and
    // 245,701, the duplicate as "already seen in data row 122900" at 600k.
    const n = 300_000;
    const lines = Array.from({ length: n }, (_, i) => `${i + 1},${(i % 1500) + 1},2026-01-0${(i % 9) + 1} 10:00:00,${(i % 500) + 1}.50,Phone`);
    lines[n - 20] = `20,7,2026-01-01 10:00:00,1.00,Phone`; // the key of data row 20, other content
    lines[n - 10] = `${n - 9},7,2026-01-01 10:00:00,abc,Phone`;
    const withSpellings: DatasetSpec = { ...achats, nullValues: ['', 'NA', 'N/A', 'null', 'NULL', '-', 'none'] };
    const { rows, quarantine, stats, oneThread } = await clean(withSpellings, ACHATS_HEADER + lines.join('\n') + '\n');
    // Read on both threads by DuckDB's order-keeping writer, not by the one-thread fallback.
    assert.equal(oneThread, false);
    assert.deepEqual(
      quarantine.map((q) => [q['_record'], q['_detail']]),
      [
        [n - 19, 'id_achat 20 already seen in data row 20'],
        [n - 9, 'montant "abc" is not a valid decimal'],
      ],
    );
    assert.equal(stats.rowsOut, n - 2);
    assert.equal(rows.find((r) => r['id_achat'] === 20)!['id_client'], 20);
  });

  test('repeated keys are found whatever the keys: negative, far apart (past the bitmap), or all distinct', async () => {
    const row = (id: string, montant: number) => `${id},1,2026-01-01 10:00:00,${montant},Phone\n`;
    const cases: { ids: string[]; repeated: number[] }[] = [
      { ids: ['-5', '3', '-5'], repeated: [3] },
      { ids: ['1', '9000000000000', '1'], repeated: [3] }, // a range of 9e12: the grouping, not the bitmap
      { ids: ['9000000000000', '1', '9000000000000'], repeated: [3] },
      { ids: ['-2', '0', '7', '1000'], repeated: [] },
      { ids: ['1', '9000000000000'], repeated: [] },
    ];
    for (const { ids, repeated } of cases) {
      const { rows, quarantine } = await clean(achats, ACHATS_HEADER + ids.map((id, i) => row(id, i + 1)).join(''));
      assert.deepEqual(quarantine.map((q) => q['_record']), repeated, ids.join(' '));
      assert.equal(rows.length, ids.length - repeated.length);
    }
  });

  test('declared null spellings are missing values, with spaces around them too; other texts are kept', async () => {
    const spec: DatasetSpec = { ...achats, nullValues: ['NA', 'n/a'] };
    const products = ['NA', ' NA ', '\u00a0NA', 'n/a ', 'NAB', 'Phone', ' na'];
    const { rows, quarantine } = await clean(spec, ACHATS_HEADER + products.map((p, i) => `${i + 1},1,2026-01-01 10:00:00,5,${p}\n`).join(''));
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [1, 2, 3, 4].map((r) => [r, 'missing_value:produit']));
    assert.deepEqual(rows.map((r) => r['produit']), ['NAB', 'Phone', 'na']);
  });

  test('a null spelling that would type as a value is missing too, spaced or quoted; a value close to it is kept', async () => {
    const column = (type: 'integer' | 'number' | 'boolean') => ({ type, required: false, personal: false });
    const spec = keyedById('readings', ['-1', 'no', 'NA'], { id: { ...column('integer'), required: true }, level: column('number'), count: column('integer'), ok: column('boolean') });
    const lines = ['1,-1,-1,no', '2, -1 , -1 , no ', '3,"-1","NA","no"', '4,-1.5,-10,yes', '5,NA, NA ,\u00a0NA'];
    const { rows, quarantine } = await clean(spec, 'id,level,count,ok\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(quarantine, []);
    assert.deepEqual(rows, [
      { id: 1, level: null, count: null, ok: null },
      { id: 2, level: null, count: null, ok: null },
      { id: 3, level: null, count: null, ok: null },
      { id: 4, level: -1.5, count: -10, ok: true },
      { id: 5, level: null, count: null, ok: null },
    ]);
  });

  test('spellings that a cast reads as a value when spaced (" - " as a decimal, " epoch " as a date), or that hold the delimiter or a quote, are missing too', async () => {
    const spec = keyedById('amounts', ['-', 'epoch', 'n,a', '"q"'], {
      id: { type: 'integer', required: true, personal: false },
      amount: { type: 'decimal', scale: 2, required: false, personal: false },
      day: { type: 'date', required: false, personal: false },
      note: { type: 'text', required: false, personal: false },
    });
    const lines = ['1,-,epoch,-', '2, - , epoch , - ', '3,- ,epoch\u00a0,"n,a"', '4,"n,a","n,a","""q"""', '5,12.50,2025-03-04,keep'];
    const { rows, quarantine } = await clean(spec, 'id,amount,day,note\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(quarantine, []);
    assert.deepEqual(rows, [
      { id: 1, amount: null, day: null, note: null },
      { id: 2, amount: null, day: null, note: null },
      { id: 3, amount: null, day: null, note: null },
      { id: 4, amount: null, day: null, note: null },
      { id: 5, amount: 12.5, day: '2025-03-04', note: 'keep' },
    ]);
  });

  test('a column\'s own null_values replace the dataset\'s there: NA is Namibia in country, missing in score; "-" missing in rank only', async () => {
    const spec = keyedById('countries', ['NA', 'n,a'], {
      id: { type: 'integer', required: true, personal: false },
      country: { type: 'text', required: true, personal: false, nullValues: [] },
      score: { type: 'number', required: false, personal: false },
      rank: { type: 'integer', required: false, personal: false, nullValues: ['-', 'NA'] },
      note: { type: 'text', required: false, personal: false },
    });
    const lines = ['1,NA,NA,-,NA', '2, NA ,"n,a", - ,"n,a"', '3,FR,12.5,3,-', '4,,1,NA,x', '5,US,-,1,y'];
    const { rows, quarantine } = await clean(spec, 'id,country,score,rank,note\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [
      [4, 'missing_value:country'],
      [5, 'invalid_number:score'],
    ]);
    assert.deepEqual(rows, [
      { id: 1, country: 'NA', score: null, rank: null, note: null },
      { id: 2, country: 'NA', score: null, rank: null, note: null },
      { id: 3, country: 'FR', score: 12.5, rank: 3, note: '-' },
    ]);
  });

  test('declared formats and booleans read every spelling, spaces around them too', async () => {
    const column = (type: 'integer' | 'date' | 'timestamp' | 'boolean', format?: string[]) => ({ type, required: false, personal: false, ...(format ? { format } : {}) });
    const spec = keyedById('legs', ['NA'], { id: { ...column('integer'), required: true }, day: column('date', ['%m/%d/%Y']), at: column('timestamp', ['%d/%m/%Y %H:%M']), ok: column('boolean') });
    const lines = [
      '1,03/04/2025,05/06/2025 07:08,true',
      '2, 03/04/2025 ,\u00a005/06/2025 07:08 , TRUE ',
      '3,3/4/2025,05/06/2025 07:08,Yes',
      '4,NA, NA ,n',
      '5,2025-03-04,06/05/2025,0',
      '6,03/04/2025,05/06/2025 07:08,f',
      '7,03/04/2025,05/06/2025 07:08,maybe',
    ];
    const { rows, quarantine } = await clean(spec, 'id,day,at,ok\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows, [
      { id: 1, day: '2025-03-04', at: '2025-06-05 07:08:00', ok: true },
      { id: 2, day: '2025-03-04', at: '2025-06-05 07:08:00', ok: true },
      { id: 3, day: '2025-03-04', at: '2025-06-05 07:08:00', ok: true },
      { id: 4, day: null, at: null, ok: false },
      { id: 6, day: '2025-03-04', at: '2025-06-05 07:08:00', ok: false },
    ]);
    // Row 5's ISO day reads beside the declared format; its timestamp without a time does not.
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [
      [5, 'invalid_date:at'],
      [7, 'invalid_boolean:ok'],
    ]);
  });

  test('tabs around values (Alipay writes ids `2024…889\\t,` so that Excel does not round them) are trimmed as spaces are; in a tab-separated file a quoted one stays', async () => {
    const column = (type: 'integer' | 'text' | 'timestamp' | 'boolean', required = false) => ({ type, required, personal: false });
    const spec = { ...keyedById('trades', ['NA'], { id: column('text', true), order: column('text'), at: column('timestamp', true), paid: column('boolean'), n: column('integer', true) }), key: ['id'] };
    const lines = [
      '2024040122001412341234567889\t,T200P8714646309338644\t,2024-01-01 09:13:00\t,true\t,\t12',
      '2024040122001412341234567890\t, \tT200P1\t ,\t2024-01-02 10:00:00,\tfalse,7\t',
      '2024040122001412341234567891\t,\t,2024-01-03 11:00:00,\t,\t8\t',
      '2024040122001412341234567892\t,NA\t,2024-01-04 12:00:00,,\t',
    ];
    const { rows, quarantine } = await clean(spec, 'id,order,at,paid,n\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows, [
      { id: '2024040122001412341234567889', order: 'T200P8714646309338644', at: '2024-01-01 09:13:00', paid: true, n: 12 },
      { id: '2024040122001412341234567890', order: 'T200P1', at: '2024-01-02 10:00:00', paid: false, n: 7 },
      { id: '2024040122001412341234567891', order: null, at: '2024-01-03 11:00:00', paid: null, n: 8 },
    ]);
    // A tab alone is no value: missing, as a field of spaces is.
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [[4, 'missing_value:n']]);
    // Tab-separated, a tab inside quotes is the value's: kept as it was.
    const tsv = { ...spec, delimiter: '\t', columns: { id: column('text', true), order: column('text') } };
    const read = await clean(tsv, 'id\torder\n1\t"\tT200P1\t"\n2\t x \n');
    assert.deepEqual(read.rows, [{ id: '1', order: '\tT200P1\t' }, { id: '2', order: 'x' }]);
  });

  test('a timestamp written with a UTC offset is the instant in UTC; one without keeps its time as written', async () => {
    const column = (format?: string[]) => ({ type: 'timestamp' as const, required: false, personal: false, ...(format ? { format } : {}) });
    const spec = keyedById('events', [], { id: { type: 'integer', required: true, personal: false }, at: column(), zoned: column(['%d/%m/%Y %H:%M %z', '%d/%m/%Y %H:%M']) });
    const lines = [
      '1,2024-01-05T11:30:00+02:00,05/01/2024 11:30 +0200',
      '2,2024-01-05 11:30:00-0500,05/01/2024 11:30 -0500',
      '3,2024-01-05T11:30:00.250+05:30,05/01/2024 11:30 +0000',
      '4,2024-01-05T11:30:00Z,05/01/2024 11:30',
      '5,2024-01-05 11:30:00,',
      '6,2024-01-05 23:30:00 -03,',
    ];
    // Whatever the machine's time zone: a value without an offset is kept as written.
    await engine.run("SET TimeZone = 'America/New_York'");
    try {
      const { rows } = await clean(spec, 'id,at,zoned\n' + lines.map((l) => `${l}\n`).join(''));
      assert.deepEqual(rows, [
        { id: 1, at: '2024-01-05 09:30:00', zoned: '2024-01-05 09:30:00' },
        { id: 2, at: '2024-01-05 16:30:00', zoned: '2024-01-05 16:30:00' },
        { id: 3, at: '2024-01-05 06:00:00.25', zoned: '2024-01-05 11:30:00' },
        { id: 4, at: '2024-01-05 11:30:00', zoned: '2024-01-05 11:30:00' },
        { id: 5, at: '2024-01-05 11:30:00', zoned: null },
        { id: 6, at: '2024-01-06 02:30:00', zoned: null },
      ]);
    } finally {
      await engine.run('RESET TimeZone');
    }
  });

  test('a timestamp followed by a zone (Google Forms\' `GMT+1`, `GMT-5`, `GMT+5:30`, `GMT`, `UTC+2`, `Z`) is the instant in UTC, whatever the format of its time; a zone past 18 hours is quarantined', async () => {
    const column = (format?: string[]) => ({ type: 'timestamp' as const, required: false, personal: false, ...(format ? { format } : {}) });
    const spec = keyedById('responses', [], { id: { type: 'integer', required: true, personal: false }, forms: column(['%Y/%m/%d %I:%M:%S %p']), sheets: column(['%m/%d/%Y %H:%M:%S']), iso: column() });
    const lines = [
      '1,2024/01/15 10:23:45 AM GMT+1,1/15/2024 10:23:45 GMT+1,2024-01-15 10:23:45 GMT+1',
      '2,2024/01/15 10:23:45 AM GMT-5,1/15/2024 10:23:45 GMT-5,2024-01-15 10:23:45 GMT-5',
      '3,2024/01/15 10:23:45 AM GMT+5:30,1/15/2024 10:23:45 GMT+5:30,2024-01-15T10:23:45 GMT+5:30',
      '4,2024/01/15 10:23:45 AM GMT,1/15/2024 10:23:45 UTC,2024-01-15 10:23:45 GMT',
      // Summer time within one column: the same hour of the clock an hour apart.
      '5,2024/03/31 1:30:00 AM GMT+1,3/31/2024 03:30:00 GMT+2,2024-01-15 10:23:45 UTC+2',
      '6,2024/01/15 2:05:01 PM,1/15/2024 10:23:45 Z,2024-01-15 10:23:45 Z',
      '7,2024/01/15 2:05:01 PM GMT+25,1/15/2024 10:23:45 GMT+1,2024-01-15 10:23:45',
    ];
    // Whatever the machine's time zone.
    await engine.run("SET TimeZone = 'America/New_York'");
    try {
      const { rows, quarantine } = await clean(spec, 'id,forms,sheets,iso\n' + lines.map((l) => `${l}\n`).join(''));
      assert.deepEqual(rows, [
        { id: 1, forms: '2024-01-15 09:23:45', sheets: '2024-01-15 09:23:45', iso: '2024-01-15 09:23:45' },
        { id: 2, forms: '2024-01-15 15:23:45', sheets: '2024-01-15 15:23:45', iso: '2024-01-15 15:23:45' },
        { id: 3, forms: '2024-01-15 04:53:45', sheets: '2024-01-15 04:53:45', iso: '2024-01-15 04:53:45' },
        { id: 4, forms: '2024-01-15 10:23:45', sheets: '2024-01-15 10:23:45', iso: '2024-01-15 10:23:45' },
        { id: 5, forms: '2024-03-31 00:30:00', sheets: '2024-03-31 01:30:00', iso: '2024-01-15 08:23:45' },
        { id: 6, forms: '2024-01-15 14:05:01', sheets: '2024-01-15 10:23:45', iso: '2024-01-15 10:23:45' },
      ]);
      assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason'], q['_detail']]), [[7, 'invalid_date:forms', 'forms "2024/01/15 2:05:01 PM GMT+25" is not a valid timestamp (%Y/%m/%d %I:%M:%S %p)']]);
    } finally {
      await engine.run('RESET TimeZone');
    }
  });

  test('Unix time (format unix_seconds, unix_milliseconds) is the instant in UTC; a value not an integer, or out of the years read, is quarantined with its reason', async () => {
    const column = (format: string) => ({ type: 'timestamp' as const, required: false, personal: false, format: [format] });
    const spec = keyedById('posts', [], { id: { type: 'integer', required: true, personal: false }, created_utc: column('unix_seconds'), ts: column('unix_milliseconds') });
    const lines = [
      '1,1700000000,1700000000123',
      // Spaces around, pandas' float of an integer, before 1970, empty.
      '2, 1700000000 ,1700000000123.0',
      '3,-86400,',
      '4,1700000000.5,1700000000123',
      '5,1700000000123,1700000000123',
      '6,1700000000,17e11',
      '7,2023-11-14,1700000000123',
    ];
    // Whatever the machine's time zone.
    await engine.run("SET TimeZone = 'America/New_York'");
    try {
      const { rows, quarantine } = await clean(spec, 'id,created_utc,ts\n' + lines.map((l) => `${l}\n`).join(''));
      assert.deepEqual(rows, [
        { id: 1, created_utc: '2023-11-14 22:13:20', ts: '2023-11-14 22:13:20.123' },
        { id: 2, created_utc: '2023-11-14 22:13:20', ts: '2023-11-14 22:13:20.123' },
        { id: 3, created_utc: '1969-12-31 00:00:00', ts: null },
      ]);
      assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason'], q['_detail']]), [
        [4, 'invalid_date:created_utc', 'created_utc "1700000000.5" is not a valid timestamp (seconds since 1970, UTC)'],
        [5, 'invalid_date:created_utc', 'created_utc "1700000000123" is not a valid timestamp (seconds since 1970, UTC) (outside the years 1900 to 2199: if the column writes milliseconds, declare format: unix_milliseconds)'],
        [6, 'invalid_date:ts', 'ts "17e11" is not a valid timestamp (milliseconds since 1970, UTC)'],
        [7, 'invalid_date:created_utc', 'created_utc "2023-11-14" is not a valid timestamp (seconds since 1970, UTC)'],
      ]);
    } finally {
      await engine.run('RESET TimeZone');
    }
  });

  test('a missing required value is quarantined; a missing optional one is kept as null', async () => {
    const { rows, quarantine } = await clean(clients, CLIENTS_HEADER + '1,Ann Lee,,2025-01-01,France\n2,Bob Ray,b@x.org,2025-01-02,\n3,Cy Doe,c@x.org,2025-01-03,Spain\n');
    assert.deepEqual(rows, [
      { id_client: 1, nom: 'Ann Lee', email: null, date_inscription: '2025-01-01', pays: 'France' },
      { id_client: 3, nom: 'Cy Doe', email: 'c@x.org', date_inscription: '2025-01-03', pays: 'Spain' },
    ]);
    assert.deepEqual(quarantine.map((q) => q['_reason']), ['missing_value:pays']);
  });

  test('ids that are not integers are quarantined', async () => {
    const { rows, quarantine } = await clean(achats, ACHATS_HEADER + 'A1,1,2026-01-01 10:00:00,5,Phone\n2,x,2026-01-01 10:00:00,5,Phone\n3,1,2026-01-01 10:00:00,5,Phone\n');
    assert.deepEqual(rows.map((r) => r['id_achat']), [3]);
    assert.deepEqual(quarantine.map((q) => q['_reason']), ['invalid_integer:id_achat', 'invalid_integer:id_client']);
  });

  test('dates in other usual formats are repaired; impossible dates are quarantined', async () => {
    const { rows, quarantine } = await clean(
      achats,
      ACHATS_HEADER +
        [
          '1,1,2026-02-03 04:05:06,5,Phone',
          '2,1,03/02/2026 04:05:06,5,Phone',
          '3,1,2026-02-03T04:05:06,5,Phone',
          '4,1,2026-02-03,5,Phone',
          '5,1,2026-02-30 10:00:00,5,Phone',
          '6,1,hier,5,Phone',
        ].join('\n') +
        '\n',
    );
    assert.deepEqual(rows.map((r) => r['date_achat']), ['2026-02-03 04:05:06', '2026-02-03 04:05:06', '2026-02-03 04:05:06', '2026-02-03 00:00:00']);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [[5, 'invalid_date:date_achat'], [6, 'invalid_date:date_achat']]);
    assert.equal(quarantine[1]!['_detail'], 'date_achat "hier" is not a valid timestamp');

    const c = await clean(clients, CLIENTS_HEADER + '1,A,a@x,2025-07-08,France\n2,B,b@x,08/07/2025,France\n');
    assert.deepEqual(c.rows.map((r) => r['date_inscription']), ['2025-07-08', '2025-07-08']);
  });

  test('montant: decimal comma repaired, non-numbers and non-positive amounts quarantined', async () => {
    const { rows, quarantine } = await clean(
      achats,
      ACHATS_HEADER + '1,1,2026-01-01 10:00:00,"12,50",Phone\n2,1,2026-01-01 10:00:00,abc,Phone\n3,1,2026-01-01 10:00:00,-4.00,Phone\n4,1,2026-01-01 10:00:00,0,Phone\n',
    );
    assert.deepEqual(rows.map((r) => r['montant']), [12.5]);
    assert.deepEqual(quarantine.map((q) => q['_reason']), ['invalid_number:montant', 'not_positive:montant', 'not_positive:montant']);
  });

  test('a comma that may separate thousands is no decimal comma: "1,234" is quarantined, "12,5" and "0,125" are read, and so are "1,234.50" and "1,234,567", whose commas can only group thousands', async () => {
    const spec = keyedById('amounts', [], { id: { type: 'integer', required: true, personal: false }, x: { type: 'number', required: false, personal: false } });
    const { rows, quarantine } = await clean(spec, 'id,x\n1,"12,5"\n2,"0,125"\n3,"1,234"\n4,"-12,500"\n5,"1,234.50"\n6,1234\n7,"-1,234,567"\n8,"12,34.5"\n');
    assert.deepEqual(rows, [{ id: 1, x: 12.5 }, { id: 2, x: 0.125 }, { id: 5, x: 1234.5 }, { id: 6, x: 1234 }, { id: 7, x: -1234567 }]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [[3, 'invalid_number:x'], [4, 'invalid_number:x'], [8, 'invalid_number:x']]);
    // decimal_separator ".": the comma groups thousands only.
    const point = await clean({ ...spec, decimalSeparator: '.' }, 'id,x\n1,"1,234"\n2,"-12,500"\n3,"12,5"\n4,"2,067.25"\n5,3.5\n6,"0,125"\n');
    assert.deepEqual(point.rows, [{ id: 1, x: 1234 }, { id: 2, x: -12500 }, { id: 4, x: 2067.25 }, { id: 5, x: 3.5 }]);
    // A first group of 0 is no thousands group: quarantined, not read as 125.
    assert.deepEqual(point.quarantine.map((q) => [q['_record'], q['_reason']]), [[3, 'invalid_number:x'], [6, 'invalid_number:x']]);
  });

  test('an integer id with letters before its digits (Online Retail\'s cancelled C536379) is quarantined with the advice to type it text', async () => {
    const spec = keyedById('retail', [], { id: { type: 'integer', required: true, personal: false }, invoice_no: { type: 'integer', required: false, personal: false } });
    const { rows, quarantine } = await clean(spec, 'id,invoice_no\n1,536365\n2,C536379\n3,12 kg\n');
    assert.deepEqual(rows, [{ id: 1, invoice_no: 536365 }]);
    assert.deepEqual(quarantine.map((q) => q['_detail']), ['invoice_no "C536379" is not a valid integer (letters before its digits: if invoice_no is an identifier, declare it type: text in datasets/retail.yml)', 'invoice_no "12 kg" is not a valid integer']);
  });

  test('numbers not read for their commas grouping thousands (no decimal_separator declared) say which option reads them, and are counted for the summary', async () => {
    const spec = keyedById('statement', [], { id: { type: 'integer', required: true, personal: false }, withdrawal: { type: 'integer', required: false, personal: false }, fee: { type: 'number', required: false, personal: false, unit: '¥' } });
    const { rows, quarantine, stats } = await clean(spec, 'id,withdrawal,fee\n1,"30,825",1\n2,"1,493,586",2\n3,12,"¥1,200"\n4,"12,5",3\n');
    assert.deepEqual(rows, []);
    const grouped = ' (its commas group thousands: declare decimal_separator: "." in the dataset to read it)';
    assert.deepEqual(quarantine.map((q) => q['_detail']), [
      `withdrawal "30,825" is not a valid integer${grouped}`,
      `withdrawal "1,493,586" is not a valid integer${grouped}`,
      `fee "¥1,200" is not a valid number (in ¥)${grouped}`,
      'withdrawal "12,5" is not a valid integer',
    ]);
    assert.equal(stats.thousandsCommas, 3);
    // Declared, the same values read; a dataset declaring the decimal comma is told nothing of thousands.
    const point = await clean({ ...spec, decimalSeparator: '.' }, 'id,withdrawal,fee\n1,"30,825","¥1,200"\n');
    assert.deepEqual([point.rows, point.stats.thousandsCommas], [[{ id: 1, withdrawal: 30825, fee: 1200 }], undefined]);
    const comma = await clean({ ...spec, decimalSeparator: ',' }, 'id,withdrawal,fee\n1,"30,825",1\n');
    assert.deepEqual([comma.quarantine.map((q) => q['_detail']), comma.stats.thousandsCommas], [['withdrawal "30,825" is not a valid integer'], undefined]);
  });

  test('integers grouped by thousands as the declared separator groups them: 990\u00a0157 and 1.234 with decimal commas, 1,234 with a decimal point', async () => {
    const spec = { ...keyedById('pop', [], { id: { type: 'integer', required: true, personal: false }, n: { type: 'integer', required: false, personal: false } }), delimiter: ';' };
    const comma = await clean({ ...spec, decimalSeparator: ',' }, 'id;n\n1;990\u00a0157\n2;1.234\n3;12\n4;1,5\n');
    assert.deepEqual(comma.rows.map((r) => [r['id'], r['n']]), [[1, 990157], [2, 1234], [3, 12]]);
    assert.deepEqual(comma.quarantine.map((q) => [q['_record'], q['_reason']]), [[4, 'invalid_integer:n']]);
    const point = await clean({ ...spec, decimalSeparator: '.' }, 'id;n\n1;1,234\n2;1.234\n');
    assert.deepEqual(point.rows.map((r) => [r['id'], r['n']]), [[1, 1234]]);
    // Undeclared, a separator is no grouping: quarantined, as before.
    const plain = await clean(spec, 'id;n\n1;1.234\n2;7\n');
    assert.deepEqual(plain.rows.map((r) => [r['id'], r['n']]), [[2, 7]]);
    // Spaces grouping thousands (INSEE's no-break ones): the detail and the summary name the option that reads them.
    const spaced = await clean(spec, 'id;n\n1;652\u00a0432\n2;2 043 110\n3;12 345,5\n');
    assert.deepEqual(spaced.quarantine.map((q) => q['_detail']), [
      'n "652\u00a0432" is not a valid integer (its non-breaking spaces group thousands: if no number of the dataset has a decimal point, declare decimal_separator: "," in the dataset to read it)',
      'n "2 043 110" is not a valid integer (its spaces group thousands: if no number of the dataset has a decimal point, declare decimal_separator: "," in the dataset to read it)',
      'n "12 345,5" is not a valid integer',
    ]);
    assert.equal(spaced.stats.thousandsSpaces, 2);
  });

  test('a column of excel_text reads an Excel formula of text (="0316769487") as the text inside, ="" as missing; another shape, or another column, as written', async () => {
    const spec = keyedById('books', ['NA'], {
      id: { type: 'integer', required: true, personal: false },
      isbn: { type: 'text', required: false, personal: false, excelText: true },
      copies: { type: 'integer', required: false, personal: false, excelText: true },
      note: { type: 'text', required: false, personal: false },
    });
    // As Goodreads writes them: `=""` bare, the others quoted, their quotes doubled.
    const csv = ['id,isbn,copies,note', '1,"=""0316769487""","=""0012""","=""x"""', '2,="",="",', '3,"=""a""""b""",=3,', '4,"=""a""&""b""","=""NA""",', '5,"=""NA""",5,'];
    const { rows, quarantine } = await clean(spec, `${csv.join('\n')}\n`);
    assert.deepEqual(rows, [
      { id: 1, isbn: '0316769487', copies: 12, note: '="x"' },
      { id: 2, isbn: null, copies: null, note: null },
      { id: 4, isbn: '="a"&"b"', copies: null, note: null },
      { id: 5, isbn: null, copies: 5, note: null },
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_detail']]), [[3, 'copies "=3" is not a valid integer']]);
  });

  test('decimal_separator ",": dots and spaces group thousands, the comma marks decimals; a dot decimal is quarantined, not guessed', async () => {
    const spec: DatasetSpec = {
      ...keyedById('preise', [], {
        id: { type: 'integer', required: true, personal: false },
        betrag: { type: 'number', required: false, personal: false },
        preis: { type: 'decimal', scale: 2, required: false, personal: false },
      }),
      delimiter: ';',
      decimalSeparator: ',',
    };
    const lines = ['1;12,50;12,50', '2;1.234;1.234', '3;25.000;25.000', '4;1.234,56;1.234,56', '5;1\u00a0234,5; 1 234,5 ', '6;-3,5;-3,5', '7;1234;7', '8;12.5;1', '9;1;1.23'];
    const { rows, quarantine } = await clean(spec, 'id;betrag;preis\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows.map((r) => [r['id'], r['betrag'], Number(r['preis'])]), [
      [1, 12.5, 12.5],
      [2, 1234, 1234],
      [3, 25000, 25000],
      [4, 1234.56, 1234.56],
      [5, 1234.5, 1234.5],
      [6, -3.5, -3.5],
      [7, 1234, 7],
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [
      [8, 'invalid_number:betrag'],
      [9, 'invalid_number:preis'],
    ]);
  });

  test('a column with a unit reads it before or after the number, and parentheses as a negative; another unit is quarantined, not mixed in', async () => {
    const spec = keyedById('listings', [], {
      id: { type: 'integer', required: true, personal: false },
      price: { type: 'decimal', scale: 2, required: false, personal: false, unit: '$' },
      rate: { type: 'integer', required: false, personal: false, unit: '%' },
    });
    const lines = ['1,"$1,234.50",98%', '2,-$5.00,100 %', '3,$-5,0%', '4,"($1,234.50)",', '5,(7.25),', '6,12,7', '7,€5.00,1', '8,$,2', '9,5$,3', '10,$1.5.0,4', '11,$5,12.5%', '12,$5.,5%'];
    const { rows, quarantine } = await clean(spec, 'id,price,rate\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows.map((r) => [r['id'], r['price'] === null ? null : Number(r['price']), r['rate']]), [
      [1, 1234.5, 98],
      [2, -5, 100],
      [3, -5, 0],
      [4, -1234.5, null],
      [5, -7.25, null],
      [6, 12, 7],
      [9, 5, 3],
      [12, 5, 5],
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [
      [7, 'invalid_number:price'],
      [8, 'invalid_number:price'],
      [10, 'invalid_number:price'],
      [11, 'invalid_integer:rate'],
    ]);
    // With decimal commas, as a French or German export writes amounts.
    const euro = await clean({ ...keyedById('preise', [], { id: spec.columns['id']!, betrag: { type: 'number', required: false, personal: false, unit: '€' } }), delimiter: ';', decimalSeparator: ',' }, 'id;betrag\n1;1.234,56 €\n2;-12,50€\n3;€ 7\n4;12.5 €\n');
    assert.deepEqual(euro.rows.map((r) => [r['id'], r['betrag']]), [[1, 1234.56], [2, -12.5], [3, 7]]);
    assert.deepEqual(euro.quarantine.map((q) => [q['_record'], q['_reason']]), [[4, 'invalid_number:betrag']]);
    // A no-break space (U+00A0, U+202F) before or after the unit, or grouping thousands, as French exports and Excel write them: a space as any.
    const unit = (u: string) => ({ type: 'number' as const, required: false, personal: false, unit: u });
    const nbsp = await clean({ ...keyedById('ventes', [], { id: spec.columns['id']!, betrag: unit('€'), taux: unit('%') }), delimiter: ';', decimalSeparator: ',' }, 'id;betrag;taux\n1;74,50\u00a0€;12,5\u00a0%\n2;1\u202f234,50\u00a0€;12,5\u202f%\n3;€\u00a012,50;\u22122,5\u00a0%\n4;(12,50\u00a0€);1\u00a0%\n');
    assert.deepEqual(nbsp.rows.map((r) => [r['id'], r['betrag'], r['taux']]), [[1, 74.5, 12.5], [2, 1234.5, 12.5], [3, 12.5, -2.5], [4, -12.5, 1]]);
    assert.deepEqual(nbsp.quarantine, []);
    // The details name the unit declared, or the option that reads a currency where none is.
    assert.equal(quarantine[0]!['_detail'], 'price "€5.00" is not a valid decimal (in $)');
    // More decimals than the scale: quarantined, not rounded without a word.
    const cents = await clean(spec, 'id,price,rate\n1,$12.345,1\n2,0.005,2\n3,1.50,3\n4,"$1,234.5",4\n5,1.e-9,5\n6,1.5e1,6\n7,12.30 ,7\n');
    assert.deepEqual(cents.rows.map((r) => [r['id'], Number(r['price'])]), [[3, 1.5], [4, 1234.5], [6, 15], [7, 12.3]]);
    assert.deepEqual(cents.quarantine.map((q) => q['_detail']), [
      'price "$12.345" is not a valid decimal (in $) (more than 2 decimals: declare a larger scale, or type number)',
      'price "0.005" is not a valid decimal (in $) (more than 2 decimals: declare a larger scale, or type number)',
      'price "1.e-9" is not a valid decimal (in $) (more than 2 decimals: declare a larger scale, or type number)',
    ]);
    const plain = await clean(keyedById('plain', [], { id: spec.columns['id']!, price: { type: 'number', required: false, personal: false } }), 'id,price\n1,R$ 12\n2,12 €\n3,abc\n');
    assert.deepEqual(plain.quarantine.map((q) => q['_detail']), [
      'price "R$ 12" is not a valid number (declare unit: "R$" on the column to read it)',
      'price "12 €" is not a valid number (declare unit: "€" on the column to read it)',
      'price "abc" is not a valid number',
    ]);
  });

  test("flags: a figure with a statistics office's flag after it (StatCan's \"20,799.0 r\" and 490.3E, Eurostat's 12.3 p, the ONS's [p]) reads as the figure; without flags it is quarantined", async () => {
    const spec = keyedById('lfs', [], {
      id: { type: 'integer', required: true, personal: false },
      employment: { type: 'number', required: false, personal: false, flags: true, nullValues: ['..', 'x', 'F'] },
      persons: { type: 'integer', required: false, personal: false, flags: true },
      rate: { type: 'decimal', scale: 1, required: false, personal: false, flags: true, unit: '%' },
    });
    const lines = ['1,"20,799.0 r",123 r,5.9%E', '2,490.3E,"1,234 p",6.1 %', '3,12.3p,12,(1.5%) r', '4,12.3 bep,7 [p],7%', '5,1e3,8,8%', '6,F,x,9%', '7,..,9,', '8,12 kg,10,1%', '9,12.3 q,11,2%', '10,r,12,3%'];
    const { rows, quarantine } = await clean({ ...spec, decimalSeparator: '.' }, 'id,employment,persons,rate\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows.map((r) => [r['id'], r['employment'], r['persons'], r['rate'] === null ? null : Number(r['rate'])]), [
      [1, 20799, 123, 5.9],
      [2, 490.3, 1234, 6.1],
      [3, 12.3, 12, -1.5],
      [4, 12.3, 7, 7],
      [5, 1000, 8, 8],
      [7, null, 9, null],
    ]);
    // `F` is a figure withheld, not a flag: x in the column of persons declares no such spelling. A unit, another letter or a flag alone: no figures.
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [
      [6, 'invalid_integer:persons'],
      [8, 'invalid_number:employment'],
      [9, 'invalid_number:employment'],
      [10, 'invalid_number:employment'],
    ]);
    const { flags: _flags, ...plain } = spec.columns['employment']!;
    // Declared without flags, as init wrote a column of StatCan's marks before: quarantined, the detail naming the option.
    const without = await clean(keyedById('lfs', [], { id: spec.columns['id']!, employment: plain }), 'id,employment\n1,"20,700.1"\n2,"20,799.0 r"\n3,490.3E\n');
    assert.deepEqual(without.quarantine.map((q) => q['_detail']), [
      'employment "20,799.0 r" is not a valid number (a flag after the figure, as statistics offices mark a revised or estimated one: declare flags: true on the column to read it)',
      'employment "490.3E" is not a valid number (a flag after the figure, as statistics offices mark a revised or estimated one: declare flags: true on the column to read it)',
    ]);
  });

  test('negatives written as accounting and ERP exports write them, in parentheses or with a trailing minus (SAP, DATEV), read as negatives; text in parentheses and phone numbers do not', async () => {
    const spec = keyedById('ledger', [], {
      id: { type: 'integer', required: true, personal: false },
      amount: { type: 'number', required: false, personal: false },
      total: { type: 'decimal', scale: 2, required: false, personal: false },
      qty: { type: 'integer', required: false, personal: false },
    });
    const lines = ['1,(290.65),"(1,290.65)",(12)', '2,614.10-,"1,234.50-",12-', '3, ( 7.5 ) ,0.50 -, 3- ', '4,290.65,290.65,5', '5,(see note),1,1', '6,1,1,(555) 123-4567', '7,-(5),(-5),5--', '8,1,(290.655),"(1,234)"'];
    const { rows, quarantine } = await clean(spec, 'id,amount,total,qty\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows.map((r) => [r['id'], r['amount'], Number(r['total']), r['qty']]), [
      [1, -290.65, -1290.65, -12],
      [2, -614.1, -1234.5, -12],
      [3, -7.5, -0.5, -3],
      [4, 290.65, 290.65, 5],
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_detail']]), [
      [5, 'amount "(see note)" is not a valid number'],
      [6, 'qty "(555) 123-4567" is not a valid integer'],
      [7, 'amount "-(5)" is not a valid number'],
      [8, 'total "(290.655)" is not a valid decimal (more than 2 decimals: declare a larger scale, or type number)'],
    ]);
    // Decimal commas (DATEV's `614,10-`), and a column with a unit: the minus after the number too.
    const euro = { ...keyedById('buchungen', [], { id: spec.columns['id']!, umsatz: { type: 'decimal', scale: 2, required: false, personal: false }, menge: { type: 'integer', required: false, personal: false }, betrag: { type: 'number', required: false, personal: false, unit: '€' } }), delimiter: ';', decimalSeparator: ',' as const };
    const datev = await clean(euro, 'id;umsatz;menge;betrag\n1;614,10-;1.234-;614,10- €\n2;(1.290,65);(7);(12,50 €)\n3;12,00;3;1.234,56 €\n4;12.5-;1;1\n');
    assert.deepEqual(datev.rows.map((r) => [r['id'], Number(r['umsatz']), r['menge'], r['betrag']]), [
      [1, -614.1, -1234, -614.1],
      [2, -1290.65, -7, -12.5],
      [3, 12, 3, 1234.56],
    ]);
    // A decimal point where the dataset declares the comma is not guessed, minus after it or not.
    assert.deepEqual(datev.quarantine.map((q) => [q['_record'], q['_reason']]), [[4, 'invalid_number:umsatz']]);
  });

  test('dates and times with a no-break space (U+202F before AM/PM, as newer Excel, macOS and ICU write them; U+00A0) read as with a plain one', async () => {
    const col = (type: 'date' | 'timestamp', format?: string[]) => ({ type, required: false, personal: false, ...(format ? { format } : {}) });
    const spec = keyedById('visits', [], { id: { type: 'integer', required: true, personal: false }, at: col('timestamp', ['%m/%d/%Y %I:%M %p']), iso: col('timestamp'), day: col('date', ['%m/%d/%Y']) });
    const lines = ['1,3/14/2024 2:05\u202fPM,2024-03-14\u00a010:00:00,3/14/2024', '2,3/15/2024\u00a011:30\u00a0AM,2024-03-15 10:00:00,3/15/2024\u202f', '3,3/16/2024 1:00 PM,14/03/2024\u202f10:00,3/16/2024', '4,3/17/2024 2:05\u202fXM,,'];
    const { rows, quarantine } = await clean(spec, 'id,at,iso,day\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows.map((r) => [r['id'], r['at'], r['iso'], r['day']]), [
      [1, '2024-03-14 14:05:00', '2024-03-14 10:00:00', '2024-03-14'],
      [2, '2024-03-15 11:30:00', '2024-03-15 10:00:00', '2024-03-15'],
      [3, '2024-03-16 13:00:00', '2024-03-14 10:00:00', '2024-03-16'],
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [[4, 'invalid_date:at']]);
  });

  test('a non-breaking space around a number is trimmed; one inside it is quarantined, the detail saying so', async () => {
    const spec = keyedById('mengen', [], {
      id: { type: 'integer', required: true, personal: false },
      menge: { type: 'integer', required: false, personal: false },
      preis: { type: 'number', required: false, personal: false },
      betrag: { type: 'decimal', scale: 2, required: false, personal: false },
    });
    // An integer written as a float by pandas (`17850.0`) is that integer; `2.5` and `3.00` are no integers.
    const ids = await clean({ ...spec, delimiter: ';' }, 'id;menge;preis;betrag\n1;17850.0;1;1\n2;2.5;1;1\n3;3.00;1;1\n');
    assert.deepEqual([ids.rows.map((r) => r['menge']), ids.quarantine.map((q) => q['_record'])], [[17850], [2, 3]]);
    // And a typeset minus sign (U+2212), as ONS and printed tables write it.
    const lines = ['1;\u00a0100;12,5\u00a0;\u202f3.50', '2;100\u00a0;\u00a0-4;7', '3;1\u00a0234;1;1', '4;\u22125;\u221243,1;\u22120.25'];
    const { rows, quarantine } = await clean({ ...spec, delimiter: ';' }, 'id;menge;preis;betrag\n' + lines.map((l) => `${l}\n`).join(''));
    assert.deepEqual(rows.map((r) => [r['id'], r['menge'], r['preis'], Number(r['betrag'])]), [
      [1, 100, 12.5, 3.5],
      [2, 100, -4, 7],
      [4, -5, -43.1, -0.25],
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason'], q['_detail']]), [[3, 'invalid_integer:menge', 'menge "1\u00a0234" is not a valid integer (its non-breaking spaces group thousands: if no number of the dataset has a decimal point, declare decimal_separator: "," in the dataset to read it)']]);
  });

  test('a two-digit year is no year 24: quarantined without a format, read with one', async () => {
    const col = (type: 'date' | 'timestamp', format?: string[]) => ({ type, required: false, personal: false, ...(format ? { format } : {}) });
    const spec = keyedById('days', [], { id: { type: 'integer', required: true, personal: false }, day: col('date'), at: col('timestamp'), yy: col('date', ['%d/%m/%y']) });
    const { rows, quarantine } = await clean(spec, 'id,day,at,yy\n1,05/01/2024,2024-01-05 10:00:00,05/01/24\n2,05/01/24,,\n3,,24-01-05 10:00:00,\n');
    assert.deepEqual(rows, [{ id: 1, day: '2024-01-05', at: '2024-01-05 10:00:00', yy: '2024-01-05' }]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason']]), [[2, 'invalid_date:day'], [3, 'invalid_date:at']]);
  });

  test('a declared %Y reads four digits: a two-digit year (DuckDB\'s %Y would read the year 24) is quarantined, a %y format after it reads it', async () => {
    const col = (type: 'date' | 'timestamp', format: string[]) => ({ type, required: false, personal: false, format });
    const spec = keyedById('sales', [], {
      id: { type: 'integer', required: true, personal: false },
      d: col('date', ['%m/%d/%Y']),
      t: col('timestamp', ['%m/%d/%Y %H:%M']),
      both: col('date', ['%m/%d/%Y', '%m/%d/%y']),
      z: col('timestamp', ['%m/%d/%Y %H:%M %z']),
    });
    const csv = 'id,d,t,both,z\n1,01/15/2024,01/15/2024 10:00,01/15/24,01/15/2024 10:00 +0100\n2,01/15/24,,,\n3,,01/15/24 10:00,,\n4,,02/01/24 09:00 GMT+1,,\n5,,,,01/15/24 10:00 +0100\n6,,,02/01/2024,\n7,01/15/124,,,\n';
    const { rows, quarantine, stats } = await clean(spec, csv);
    assert.deepEqual(rows, [
      { id: 1, d: '2024-01-15', t: '2024-01-15 10:00:00', both: '2024-01-15', z: '2024-01-15 09:00:00' },
      { id: 6, d: null, t: null, both: '2024-02-01', z: null },
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason'], q['_detail']]), [
      [2, 'invalid_date:d', 'd "01/15/24" is not a valid date (%m/%d/%Y) (a two-digit year, where %Y reads four digits: to read both, declare format: ["%m/%d/%Y", "%m/%d/%y"])'],
      [3, 'invalid_date:t', 't "01/15/24 10:00" is not a valid timestamp (%m/%d/%Y %H:%M) (a two-digit year, where %Y reads four digits: to read both, declare format: ["%m/%d/%Y %H:%M", "%m/%d/%y %H:%M"])'],
      [4, 'invalid_date:t', 't "02/01/24 09:00 GMT+1" is not a valid timestamp (%m/%d/%Y %H:%M)'],
      [5, 'invalid_date:z', 'z "01/15/24 10:00 +0100" is not a valid timestamp (%m/%d/%Y %H:%M %z) (a two-digit year, where %Y reads four digits: to read both, declare format: ["%m/%d/%Y %H:%M %z", "%m/%d/%y %H:%M %z"])'],
      [7, 'invalid_date:d', 'd "01/15/124" is not a valid date (%m/%d/%Y)'],
    ]);
    assert.equal(stats.rowsIn, rows.length + stats.quarantined);
  });

  test('known countries and products are normalised for case and spacing; others are kept as given', async () => {
    const c = await clean(clients, CLIENTS_HEADER + '1,A,a@x,2025-01-01,FRANCE\n2,B,b@x,2025-01-01,  united   kingdom \n3,C,c@x,2025-01-01,uk\n');
    assert.deepEqual(c.rows.map((r) => r['pays']), ['France', 'united   kingdom', 'UK']);
    const a = await clean(achats, ACHATS_HEADER + '1,1,2026-01-01 10:00:00,5,HEADPHONES\n');
    assert.equal(a.rows[0]!['produit'], 'Headphones');
  });

  test('lines the CSV parser cannot read are quarantined with their line, the rest is kept', async () => {
    const { rows, quarantine, stats } = await clean(achats, ACHATS_HEADER + '1,1,2026-01-01 10:00:00,5,Phone\n2,1,2026-01-01 10:00:00,5,Phone,extra\n3,1,2026-01-01 10:00:00,5,Phone\n');
    assert.deepEqual(rows.map((r) => r['id_achat']), [1, 3]);
    assert.deepEqual(quarantine.map((q) => [q['_line'], q['_reason']]), [[3, 'malformed_line:too_many_columns']]);
    assert.equal(stats.rowsIn, 3);
  });

  test('rows after a malformed line keep their data row numbers: quarantined rows and duplicates name the row of the file', async () => {
    const spec = keyedById('numbered', [], { id: { type: 'integer', required: true, personal: false }, v: { type: 'integer', required: false, personal: false } });
    const { rows, quarantine } = await clean(spec, 'id,v\n1,10\n2,20,extra\n3,abc\n4\n1,11\n"6",60\n6,61\n');
    assert.deepEqual(rows.map((r) => r['id']), [1, 6]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_line'], q['_reason'], q['_detail']]), [
      [3, null, 'invalid_integer:v', 'v "abc" is not a valid integer'],
      [5, null, 'duplicate_key:id', 'id 1 already seen in data row 1'],
      [7, null, 'duplicate_key:id', 'id 6 already seen in data row 6'],
      [null, 3, 'malformed_line:too_many_columns', quarantine[3]!['_detail']],
      [null, 5, 'malformed_line:missing_columns', quarantine[4]!['_detail']],
    ]);
    // Blank lines (and lines of spaces) are no data rows, but DuckDB numbers lines past them.
    const blanks = await clean(spec, 'id,v\n1,10\n\n2,20,x\n   \n3,abc\n\n\n4,abc\n5,51\n5,52\n');
    assert.deepEqual(blanks.quarantine.filter((q) => q['_record'] !== null).map((q) => [q['_record'], q['_detail']]), [
      [3, 'v "abc" is not a valid integer'],
      [4, 'v "abc" is not a valid integer'],
      [6, 'id 5 already seen in data row 5'],
    ]);
  });

  test('a malformed line is numbered as an editor numbers the file, past values with line breaks in them', async () => {
    const spec = keyedById('notes', [], { id: { type: 'integer', required: true, personal: false }, note: { type: 'text', required: false, personal: false } });
    // Lines: 1 header, 2-3 a note on two lines, 4 malformed, 5 blank, 6-8 a note on three lines, 9 malformed.
    const csv = 'id,note\n1,"first\nsecond"\n2,x,extra\n\n3,"a\r\nb\nc"\n4\n5,ok\n';
    const { rows, quarantine } = await clean(spec, csv);
    assert.deepEqual(rows.map((r) => r['id']), [1, 3, 5]);
    assert.deepEqual(quarantine.map((q) => [q['_line'], q['_reason']]), [
      [4, 'malformed_line:too_many_columns'],
      [9, 'malformed_line:missing_columns'],
    ]);
    // A quote inside a value (`12" Single`) opens none, as the reader reads it; the lines skip_lines skips count whatever they hold.
    const stray = await clean(spec, 'id,note\n1,LP\n2,12" Single\n3,LP\n4,bad,6\n5,CD\n6,"a\nb"\n7,y,1\n8,z\n');
    assert.deepEqual(stray.quarantine.map((q) => q['_line']), [5, 9]);
    const titled = await clean({ ...spec, skipLines: 2 }, 'Monitors 27" and up\n\nid,note\n1,"Dell\nU2723"\n2,LG\n3,bad,1\n4,HP\n');
    assert.deepEqual(titled.quarantine.map((q) => q['_line']), [7]);
    // A quote after the delimiter and a space opens a value too, as the reader reads it.
    const spaced = await clean(spec, 'id,note\n1, "l1\nl2"\n2,x,y\n');
    assert.deepEqual(spaced.quarantine.map((q) => q['_line']), [4]);
    // A byte-order mark before a quoted first name with a line break in it (Excel's wrapped header).
    const marked = await clean(spec, '\uFEFF"id",note\n1,"a\nb"\n2,x,y\n');
    assert.deepEqual(marked.quarantine.map((q) => q['_line']), [4]);
    // A quote escaped by a backslash opens no value: the line break after it ends the record.
    const escaped = await clean({ ...spec, escape: '\\' }, 'id,note\n1,"say \\"hi"\n2,"a\nb"\n3,x,y\n');
    assert.deepEqual(escaped.quarantine.map((q) => [q['_line'], q['_reason']]), [[5, 'malformed_line:too_many_columns']]);
  });

  test('a file writing its dates month first, where the dataset reads them day first, waits whole: none of its dates loads as another day', async () => {
    const spec = keyedById('drift', [], { id: { type: 'integer', required: true, personal: false }, day: { type: 'date', required: false, personal: false } });
    const us = await clean(spec, 'id,day\n3,03/12/2024\n4,03/13/2024\n5,03/02/2024\n6,03/25/2024\n');
    assert.deepEqual(us.rows, []);
    assert.deepEqual(us.quarantine.map((q) => [q['_line'], q['_reason']]), [2, 3, 4, 5].map((line) => [line, 'dates_month_first:day']));
    assert.match(String(us.quarantine[0]!['_detail']), /writes day month first \(03\/(13|25)\/2024, and 1 more\), where datasets\/drift\.yml reads it day first.*declare format: \["%Y-%m-%d", "%m\/%d\/%Y"\]/);
    assert.equal(us.stats.rowsIn, 4);
    // A day-first file of days 1 to 11 with one typo: the typo alone quarantined (one value proves nothing).
    const early = await clean(spec, 'id,day\n1,01/03/2024\n2,05/03/2024\n3,11/03/2024\n4,03/13/2024\n');
    assert.deepEqual([early.rows.length, early.quarantine.map((q) => q['_reason'])], [3, ['invalid_date:day']]);
    // A US day's export, most of it on 12/11 (12 November day first) and a few rows on 12/14: a few proofs, but
    // every date in December read month first: it waits whole, its 12/11s loading as no other day.
    const december = await clean(spec, `id,day\n${Array.from({ length: 38 }, (_, i) => `${i + 1},12/${i < 35 ? 11 : 14}/2010`).join('\n')}\n`);
    assert.deepEqual([december.rows.length, new Set(december.quarantine.map((q) => q['_reason']))], [0, new Set(['dates_month_first:day'])]);
    // A time in a date column fails day first too: no proof of months first.
    const timed = await clean(spec, 'id,day\n1,01/03/2024\n2,05/03/2024 10:00\n3,11/03/2024\n4,06/03/2024 11:00\n');
    assert.deepEqual(timed.quarantine.map((q) => q['_reason']), ['invalid_date:day', 'invalid_date:day']);
    // A day-first file with one date that fails (a typo): its other rows load, the typo alone quarantined.
    const typo = await clean(spec, 'id,day\n3,25/03/2024\n4,03/13/2024\n5,03/02/2024\n');
    assert.deepEqual(typo.rows.map((r) => [r['id'], String(r['day'])]), [[3, '2024-03-25'], [5, '2024-02-03']]);
    assert.deepEqual(typo.quarantine.map((q) => q['_reason']), ['invalid_date:day']);
    // A declared format: read as declared, nothing to tell.
    const monthFirst = { ...spec, columns: { ...spec.columns, day: { ...spec.columns['day']!, format: ['%m/%d/%Y'] } } };
    const declared = await clean(monthFirst, 'id,day\n3,03/12/2024\n4,03/13/2024\n');
    assert.deepEqual(declared.rows.map((r) => String(r['day'])), ['2024-03-12', '2024-03-13']);
    // An ISO day is read beside the declared formats (an export that switched to it), a time in a date column is not.
    const iso = await clean(monthFirst, 'id,day\n3,2024-02-14\n4,2024-02-14 10:00\n5,24-02-14\n');
    assert.deepEqual([iso.rows.map((r) => String(r['day'])), iso.quarantine.map((q) => q['_reason'])], [['2024-02-14'], ['invalid_date:day', 'invalid_date:day']]);
    // But a file writing them day first where the declared format reads month first (PayPal's next download,
    // Fitbit's two-digit years) waits whole, as the other way round: its 02/01 would load as 1 February.
    const dayFirst = await clean(monthFirst, 'id,day\n1,02/01/2024\n2,13/01/2024\n3,25/01/2024\n4,05/01/2024\n');
    assert.deepEqual([dayFirst.rows.length, dayFirst.quarantine.map((q) => q['_reason'])], [0, Array(4).fill('dates_day_first:day')]);
    assert.match(String(dayFirst.quarantine[0]!['_detail']), /writes day day first \((13|25)\/01\/2024, and 1 more\), where datasets\/drift\.yml reads it month first.*declare format: "%d\/%m\/%Y"/);
    const declaredDayFirst = { ...spec, columns: { ...spec.columns, day: { ...spec.columns['day']!, format: ['%d/%m/%y %H:%M:%S'] } } };
    const fitbit = await clean(declaredDayFirst, 'id,day\n1,01/05/24 07:00:00\n2,01/13/24 07:00:00\n3,01/28/24 07:00:00\n');
    assert.deepEqual(fitbit.quarantine.map((q) => q['_reason']), Array(3).fill('dates_month_first:day'));
    assert.match(String(fitbit.quarantine[0]!['_detail']), /declare format: "%m\/%d\/%y %H:%M:%S"/);
  });

  test('CRLF line ends and a BOM are read like plain files; a line the reader rejects is kept without line ends', async () => {
    const { rows, quarantine } = await clean(
      achats,
      '\uFEFF' + ACHATS_HEADER.replace('\n', '\r\n') + '1,1,2026-01-01 10:00:00,5,Phone\r\n2,2,2026-01-01 11:00:00,6,Mouse\r\n3,2,2026-01-01 11:00:00,6,Mouse,extra\r\n\r\n4,2,2026-01-01 11:00:00,6,Mouse,extra\r\n',
      { rawLine: true },
    );
    assert.deepEqual(rows.map((r) => [r['id_achat'], r['produit']]), [[1, 'Phone'], [2, 'Mouse']]);
    assert.deepEqual(quarantine.map((q) => [q['_line'], q['_raw_line']]), [
      [4, '3,2,2026-01-01 11:00:00,6,Mouse,extra'],
      [6, '4,2,2026-01-01 11:00:00,6,Mouse,extra'],
    ]);
  });

  test('a line with one field too many, the last empty (an unquoted "Paris, Texas" beside an empty discount), is quarantined as too many columns, not loaded shifted', async () => {
    const text = (required = false) => ({ type: 'text' as const, required, personal: false });
    const number = { type: 'number' as const, required: false, personal: false };
    const spec = { ...keyedById('orders', [], { order_id: { type: 'integer', required: true, personal: false }, customer: text(), city: text(), country: text(), amount: number, discount: number }), key: ['order_id'] };
    // Lines: 1 header, 2, 3-4 a note on two lines, 5 shifted (its discount empty), 6 blank, 7 shifted (a discount: rejected by the reader
    // too), 8 quoted, 9 shifted with a CR, 10 a bad amount, 11 a row of empty fields only, wider than the header.
    const csv =
      'order_id,customer,city,country,amount,discount\n1,c1,Lyon,France,1.50,\n2,"c2\nsecond line",Lyon,France,3.00,5.00\n3,c3,Paris, Texas,USA,4.50,\n\n' +
      '4,c4,Paris, Texas,USA,6.00,5.00\n5,c5,"Paris, Texas",USA,7.50,\n6,c6,Paris, Texas,USA,9.00,\r\n7,c7,Lyon,France,abc,\n,,,,,,\n8,c8,Lyon,France,12.00,\n';
    const { rows, quarantine, stats } = await clean(spec, csv, { rawLine: true });
    assert.deepEqual(rows.map((r) => [r['order_id'], r['city'], r['country'], r['amount']]), [
      [1, 'Lyon', 'France', 1.5],
      [2, 'Lyon', 'France', 3],
      [5, 'Paris, Texas', 'USA', 7.5],
      [8, 'Lyon', 'France', 12],
    ]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_line'], q['_reason'], q['_raw_line']]), [
      // Data row 7 of the file: the rows after a quarantined line keep their numbers.
      [7, null, 'invalid_number:amount', null],
      [null, 5, 'malformed_line:too_many_columns', '3,c3,Paris, Texas,USA,4.50,'],
      [null, 7, 'malformed_line:too_many_columns', '4,c4,Paris, Texas,USA,6.00,5.00'],
      [null, 9, 'malformed_line:too_many_columns', '6,c6,Paris, Texas,USA,9.00,'],
    ]);
    assert.match(String(quarantine[1]!['_detail']), /Expected Number of Columns: 6 Found: 7, the last empty/);
    // Every record accounted for: 4 loaded, 4 quarantined, the row of empty fields dropped and counted.
    assert.deepEqual([stats.rowsIn, stats.rowsOut, stats.quarantined, stats.emptyRows, stats.reasons], [9, 4, 4, 1, { 'invalid_number:amount': 1, 'malformed_line:too_many_columns': 3 }]);
    // Bronze found no record ending with the delimiter: the file is not read again for such lines.
    const header = csv.split('\n')[0]!.split(',');
    assert.deepEqual(await rejectWideLines(engine, { rejects: 'none', stagedFile: 'none' }, 'none', spec, { header, endsWithDelimiter: 0 }, { parsed: 1, rejected: 0 }, async () => undefined), false);
  });

  test('rows ending with a delimiter load: on every line, the header\'s too; only on the rows (SAP\'s exports), where a line two fields wider is quarantined', async () => {
    const spec = keyedById('trailing', [], { id: { type: 'integer', required: true, personal: false }, city: { type: 'text', required: false, personal: false }, note: { type: 'text', required: false, personal: false } });
    const everyLine = await clean(spec, 'id,city,note,\n1,Lyon,a,\n2,Paris,,\n3,Nice,c,\n');
    assert.deepEqual(everyLine.rows.map((r) => [r['id'], r['city'], r['note']]), [[1, 'Lyon', 'a'], [2, 'Paris', null], [3, 'Nice', 'c']]);
    assert.deepEqual(everyLine.quarantine, []);
    // With a line one field wider than those rows, its last empty: quarantined.
    const shifted = await clean(spec, 'id,city,note,\n1,Lyon,a,\n2,Paris, Texas,,\n3,Nice,c,\n');
    assert.deepEqual([shifted.rows.map((r) => r['id']), shifted.quarantine.map((q) => [q['_line'], q['_reason']])], [[1, 3], [[3, 'malformed_line:too_many_columns']]]);
    // Tab-separated, a line of tabs as wide as the rows is a row of empty fields (dropped and counted), not a blank line.
    const tabs = await clean({ ...spec, delimiter: '\t' }, 'id\tcity\tnote\n1\tLyon\ta\n2\tParis\t Texas\t\n\t\t\n3\tNice\t\n');
    assert.deepEqual([tabs.rows.map((r) => r['id']), tabs.quarantine.map((q) => [q['_line'], q['_reason']]), tabs.stats.emptyRows], [[1, 3], [[3, 'malformed_line:too_many_columns']], 1]);
    const sap = await clean({ ...spec, delimiter: ';' }, 'id;city;note\n1;BOURG;a;\n2;PARIS;;\n3;LYON;c;\n4;Paris; Texas;;\n5;NICE;e;\n');
    assert.deepEqual(sap.rows.map((r) => [r['id'], r['city'], r['note']]), [[1, 'BOURG', 'a'], [2, 'PARIS', null], [3, 'LYON', 'c'], [5, 'NICE', 'e']]);
    assert.deepEqual(sap.quarantine.map((q) => [q['_line'], q['_reason']]), [[5, 'malformed_line:too_many_columns']]);
    // Every row one field wider than the header, the last filled in some (a value past the header's names): those leaving it empty are no rows either.
    const wider = await clean(spec, 'id,city,note\n1,Lyon,a,\n2,Paris,b,x\n3,Nice,c,\n');
    assert.deepEqual([wider.rows, wider.quarantine.map((q) => q['_line'])], [[], [2, 3, 4]]);
  });

  test('columns in another order, in other case, and extra columns are fine', async () => {
    const { rows } = await clean(achats, 'Produit,note,MONTANT, date_achat ,id_client,id_achat,note\nPhone,hello,5,2026-01-01T10:00:00Z,1,9,x\n');
    assert.deepEqual(rows, [{ id_achat: 9, id_client: 1, date_achat: '2026-01-01 10:00:00', montant: 5, produit: 'Phone' }]);
  });

  test('total_row: a total after the last row of data, and the figures without a label after it, are quarantined whatever they fill; a Total among the rows, Total Gym, empty rows and notes are not', async () => {
    const spec: DatasetSpec = {
      ...keyedById('sales', [], {
        product: { type: 'text', required: false, personal: false },
        region: { type: 'text', required: false, personal: false },
        units: { type: 'integer', required: true, personal: false },
      }),
      key: [],
      totalRow: { column: 'product' },
    };
    const csv = ['product,region,units', 'Coffee,East,12', 'Total,,1', 'Total Gym,,3', 'Tea,,5', 'Total,,21', ',,21', ',,', 'Source: ERP,,', 'GRAND TOTAL,West,21', ''].join('\n');
    const { rows, quarantine, stats } = await clean(spec, csv);
    // A product named Total followed by rows of data is a row; so is Total Gym.
    assert.deepEqual(rows.map((r) => [r['product'], r['units']]), [['Coffee', 12], ['Total', 1], ['Total Gym', 3], ['Tea', 5]]);
    assert.deepEqual(quarantine.map((q) => [q['_record'], q['_reason'], q['_detail']]), [
      [5, 'total_row:product', 'product "Total" is a total at the end of the file, the sum of the rows above it: not a row (total_row)'],
      [6, 'total_row:product', "product is empty after a total at the end of the file: the total's figures, not a row (total_row)"],
      [8, 'missing_value:units', 'units is missing'],
      [9, 'total_row:product', 'product "GRAND TOTAL" is a total at the end of the file, the sum of the rows above it: not a row (total_row)'],
    ]);
    assert.deepEqual([stats.rowsOut, stats.emptyRows, stats.reasons], [4, 1, { 'total_row:product': 3, 'missing_value:units': 1 }]);
    // Labels of the dataset's own, and a total in a column of integers (its raw text), at the end of a keyed file.
    const own = await clean({ ...spec, totalRow: { column: 'product', labels: ['All products'] } }, 'product,region,units\nTea,East,2\nall products ,,2\n');
    assert.deepEqual([own.rows.length, own.quarantine.map((q) => q['_reason'])], [1, ['total_row:product']]);
    const ids = keyedById('orders', [], { id: { type: 'integer', required: true, personal: false }, amount: { type: 'number', required: true, personal: false } });
    const keyed = await clean({ ...ids, totalRow: { column: 'id' } }, 'id,amount\n1,2.5\n2,3.5\nTotal,6\n');
    assert.deepEqual([keyed.rows.length, keyed.quarantine.map((q) => [q['_record'], q['_reason']])], [2, [[3, 'total_row:id']]]);
    // Without total_row, the total loads: the setting is what sets it aside.
    assert.deepEqual((await clean({ ...spec, totalRow: undefined }, 'product,region,units\nTea,East,2\nTotal,,2\n')).rows.length, 2);
  });
});

describe('declared quality rules and the quality report', () => {
  test('maximum: an amount above QUALITY_MAX_MONTANT (10000 by default) is quarantined; the setting moves the limit', async () => {
    const csv = ACHATS_HEADER + '1,1,2026-01-01 10:00:00,20000,Phone\n2,1,2026-01-01 10:00:00,9999.99,Phone\n';
    const strict = await clean(achats, csv);
    assert.deepEqual(strict.rows.map((r) => r['id_achat']), [2]);
    assert.deepEqual(strict.quarantine.map((q) => [q['_reason'], q['_detail']]), [['above_maximum:montant', 'montant 20000 is above the maximum 10000']]);
    const relaxed = await clean(achats, csv, { settings: { QUALITY_MAX_MONTANT: 50_000 } });
    assert.deepEqual(relaxed.rows.map((r) => r['id_achat']), [1, 2]);
  });

  test('date plausibility: before 2000 or after today is quarantined', async () => {
    const { rows, quarantine } = await clean(achats, ACHATS_HEADER + '1,1,1999-12-31 23:59:59,5,Phone\n2,1,2026-06-16 00:00:00,5,Phone\n3,1,2026-06-15 23:00:00,5,Phone\n');
    assert.deepEqual(rows.map((r) => r['id_achat']), [3]);
    assert.deepEqual(quarantine.map((q) => q['_reason']), ['implausible_date:date_achat', 'implausible_date:date_achat']);
  });

  test('allowed values is a warning: the row is kept and counted, with examples', async () => {
    const { rows, quality } = await clean(clients, CLIENTS_HEADER + '1,A,a@x,2025-01-01,France\n2,B,b@x,2025-01-01,Portugal\n');
    assert.deepEqual(rows.map((r) => r['pays']), ['France', 'Portugal']);
    const check = quality.find((q) => q.rule === 'allowed_values')!;
    assert.deepEqual(check, {
      dataset: 'clients', rule: 'allowed_values', column: 'pays', severity: 'warn', checked: 2, failed: 1,
      examples: [{ record: 2, value: 'Portugal', detail: 'pays "Portugal" is not one of the known values' }],
    });
  });

  test('the report has every rule with rows checked and failed', async () => {
    const { quality } = await clean(achats, ACHATS_HEADER + '1,1,2026-01-01 10:00:00,5,Phone\n1,1,2026-01-01 10:00:00,6,Phone\n2,7,2026-01-01 10:00:00,5,Phone\n3,1,x,5,Phone\n4,1,2026-01-01 10:00:00,5,\n');
    const by = (rule: string, column?: string) => quality.find((q) => q.rule === rule && (column === undefined || q.column === column))!;
    assert.equal(by('required', 'produit').failed, 1);
    assert.equal(by('type', 'date_achat').failed, 1);
    assert.equal(by('type', 'date_achat').examples[0]!.value, 'x');
    assert.equal(by('unique_key').failed, 1);
    assert.equal(by('positive').failed, 0);
    assert.ok(quality.every((q) => q.checked >= q.failed && q.dataset === 'achats'));
  });

  test('a fatal rule that fails stops the run, naming the dataset, the rule, the file and the record', async () => {
    const strictClients: DatasetSpec = { ...clients, rules: [{ rule: 'allowed_values', column: 'pays', severity: 'fatal' }] };
    await assert.rejects(clean(strictClients, CLIENTS_HEADER + '1,A,a@x,2025-01-01,France\n2,B,b@x,2025-01-01,Mars\n'), (err: unknown) => {
      assert.ok(err instanceof QualityError);
      assert.equal(err.rule, 'allowed_values');
      assert.match(err.message, /clients: rule "allowed_values": 1 of 2 rows of clients\.csv fail it on pays, e\.g\. record 2: pays "Mars" is not one of the known values/);
      return true;
    });
  });
});
