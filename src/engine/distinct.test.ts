import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from './duckdb.js';
import { distinctIntegers, distinctTuples, keysDistinct } from './distinct.js';
import { footerStatsByFile } from './parquet-stats.js';

let engine: Engine;
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'distinct-'));
  engine = await Engine.open({ threads: 2, memoryLimit: '256MB' }, path.join(dir, 'spill'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const values = (list: string, type = 'BIGINT') => `(SELECT CAST(v AS ${type}) AS k, v IS NULL AS blank FROM (VALUES ${list}) t(v))`;

test('distinct integers: told by a bitmap, nulls ignored, the where clause applied', async () => {
  assert.deepEqual(await distinctIntegers(engine, values('(3), (-7), (0), (NULL), (NULL)'), 'k'), { values: 3, distinct: true });
  assert.deepEqual(await distinctIntegers(engine, values('(3), (-7), (3)'), 'k'), { values: 3, distinct: false });
  assert.deepEqual(await distinctIntegers(engine, values('(3), (-7), (3)'), 'k', 'k < 0'), { values: 1, distinct: true });
  assert.deepEqual(await distinctIntegers(engine, values('(NULL)'), 'k'), { values: 0, distinct: true });
  assert.deepEqual(await distinctIntegers(engine, values('(5), (6), (5)', 'UTINYINT'), 'k'), { values: 3, distinct: false });
  // Past 2^53, where a JavaScript number would merge neighbours.
  assert.deepEqual(await distinctIntegers(engine, values('(9007199254740993), (9007199254740992)'), 'k'), { values: 2, distinct: true });
  assert.deepEqual(await distinctIntegers(engine, values('(9007199254740993), (9007199254740993)'), 'k'), { values: 2, distinct: false });
});

test('distinct integers: no answer where a bitmap cannot tell (not integers, a range too wide)', async () => {
  assert.equal(await distinctIntegers(engine, values('(1), (900000000000)'), 'k'), undefined);
  assert.equal(await distinctIntegers(engine, values("('a'), ('b')", 'VARCHAR'), 'k'), undefined);
  assert.equal(await distinctIntegers(engine, values('(1.5), (2.5)', 'DOUBLE'), 'k'), undefined);
});

test('distinct integers on a million keys agree with grouping', async () => {
  await engine.run(`CREATE TABLE many AS SELECT (i * 7919 % 1000003)::BIGINT AS k FROM range(1000000) r(i)`);
  const grouped = async (where: string) => Number((await engine.rows(`SELECT count(*) AS n FROM (SELECT k FROM many WHERE ${where} GROUP BY k HAVING count(*) > 1)`))[0]!['n']) === 0;
  assert.equal((await distinctIntegers(engine, 'many', 'k'))?.distinct, await grouped('true'));
  await engine.run(`INSERT INTO many VALUES (17)`);
  assert.equal((await distinctIntegers(engine, 'many', 'k'))?.distinct, false);
  assert.equal(await grouped('true'), false);
});

test('distinct integers over Parquet files: bounds and counts from the footers give the answer a read of the column gives', async () => {
  const write = async (name: string, sql: string) => {
    const file = path.join(dir, name);
    await engine.run(`COPY (${sql}) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 10000)`);
    return file;
  };
  // Nulls in some row groups, a file of nulls only, negative values, a value past 2^53.
  const a = await write('a.parquet', `SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i - 50000 END::BIGINT AS k FROM range(60000) t(i)`);
  const empty = await write('nulls.parquet', `SELECT NULL::BIGINT AS k FROM range(500)`);
  const b = await write('b.parquet', `SELECT (60000 + i)::BIGINT AS k FROM range(30000) t(i)`);
  const again = await write('again.parquet', `SELECT 9999::BIGINT AS k`);
  const big = await write('big.parquet', `SELECT 9007199254740993::BIGINT AS k UNION ALL SELECT 9007199254740992`);
  for (const files of [[a, empty, b], [a, empty, b, again], [empty], [big], [a, big]]) {
    const relation = `read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`;
    assert.deepEqual(await distinctIntegers(engine, relation, 'k', 'true', files), await distinctIntegers(engine, relation, 'k'), files.map((f) => path.basename(f)).join(' + '));
  }
  assert.deepEqual(await distinctIntegers(engine, `read_parquet(['${a}', '${again}'])`, 'k', 'true', [a, again]), { values: 51428 + 1, distinct: false });
  // A file storing the column as text has text bounds ('10' < '9'): the footers are not used.
  const nine = await write('nine.parquet', `SELECT 9::BIGINT AS k`);
  const text = await write('text.parquet', `SELECT k FROM (VALUES ('9'), ('10')) t(k)`);
  assert.equal(await footerStatsByFile(engine, [nine, text], 'k', true), undefined);
  assert.deepEqual(await distinctIntegers(engine, `read_parquet(['${nine}', '${text}'])`, 'k', 'true', [nine, text]), { values: 3, distinct: false });
  const bounds = await footerStatsByFile(engine, [a, empty, b], 'k', true);
  assert.deepEqual(
    new Map([...bounds!].map(([f, s]) => [f, s.min === undefined ? null : { min: s.min, max: s.max }])),
    new Map([[a, { min: -49999n, max: 9999n }], [empty, null], [b, { min: 60000n, max: 89999n }]]),
  );
});

const tuples = (list: string) => `(SELECT * FROM (VALUES ${list}) t(carrier, flight, day, late))`;

test('distinct tuples: a composite key packed into one bitmap, each kind of column', async () => {
  const rows = "('AA', 12, DATE '2025-01-01', true), ('AA', 12, DATE '2025-01-02', true), ('DL', 12, DATE '2025-01-01', true), ('AA', 13, DATE '2025-01-01', false)";
  assert.deepEqual(await distinctTuples(engine, tuples(rows), ['carrier', 'flight', 'day']), { values: 4, distinct: true });
  assert.deepEqual(await distinctTuples(engine, tuples(`${rows}, ('DL', 12, DATE '2025-01-01', false)`), ['carrier', 'flight', 'day']), { values: 5, distinct: false });
  // The same numbers in another column are not the same tuple; a boolean tells rows apart.
  assert.deepEqual(await distinctTuples(engine, tuples("('AA', 1, DATE '2025-01-02', true), ('AA', 2, DATE '2025-01-01', true)"), ['carrier', 'flight', 'day']), { values: 2, distinct: true });
  assert.deepEqual(await distinctTuples(engine, tuples("('AA', 1, DATE '2025-01-02', true), ('AA', 1, DATE '2025-01-02', false)"), ['carrier', 'late']), { values: 2, distinct: true });
  // Case matters, as in grouping; quotes in a value; the where clause applied.
  assert.deepEqual(await distinctTuples(engine, tuples("('aa', 1, DATE '2025-01-02', true), ('AA', 1, DATE '2025-01-02', true), ('O''Hare', 1, DATE '2025-01-02', true)"), ['carrier', 'flight']), { values: 3, distinct: true });
  assert.deepEqual(await distinctTuples(engine, tuples(`${rows}, ('DL', 12, DATE '2025-01-01', false)`), ['carrier', 'flight', 'day'], 'late'), { values: 3, distinct: true });
  // One column: the integer bitmap.
  assert.deepEqual(await distinctTuples(engine, values('(3), (3)'), ['k']), { values: 2, distinct: false });
});

test('distinct tuples: no answer where a bitmap cannot tell', async () => {
  // A null in a key column (grouping takes nulls as equal), a type without numbering, too many texts, too wide a product.
  assert.equal(await distinctTuples(engine, tuples("('AA', NULL, DATE '2025-01-01', true), ('AA', NULL, DATE '2025-01-01', true)"), ['carrier', 'flight']), undefined);
  assert.equal(await distinctTuples(engine, `(SELECT 1.5 AS a, 2 AS b)`, ['a', 'b']), undefined);
  assert.equal(await distinctTuples(engine, `(SELECT CAST(i AS VARCHAR) AS a, 1 AS b FROM range(100) r(i))`, ['a', 'b']), undefined);
  assert.equal(await distinctTuples(engine, `(SELECT i * 100000 AS a, i * 100000 AS b FROM range(3) r(i))`, ['a', 'b']), undefined);
});

test('distinct tuples on 300,000 random composite keys agree with grouping', async () => {
  for (const seed of [1, 2, 3]) {
    // Random (carrier, flight, day) tuples, with or without repeats depending on the seed's range.
    const relation = `(SELECT ['AA','DL','UA','WN'][1 + (hash(i, ${seed}) % 4)::BIGINT] AS carrier, (hash(i * 3, ${seed}) % ${seed === 3 ? 100000 : 2000})::INTEGER AS flight,
      DATE '2024-01-01' + (hash(i * 7, ${seed}) % 366)::INTEGER AS day FROM range(300000) r(i))`;
    const [grouped] = await engine.rows(`SELECT count(*) AS n, count(*) = (SELECT count(*) FROM (SELECT DISTINCT carrier, flight, day FROM ${relation})) AS d FROM ${relation}`);
    const told = await distinctTuples(engine, relation, ['carrier', 'flight', 'day']);
    assert.deepEqual(told, { values: Number(grouped!['n']), distinct: grouped!['d'] === true }, `seed ${seed}`);
  }
  // Distinct by construction: every (carrier, flight, day) once.
  const all = `(SELECT ['AA','DL','UA','WN'][1 + (i % 4)::BIGINT] AS carrier, (i // 4 % 500)::INTEGER AS flight, DATE '2024-01-01' + (i // 2000)::INTEGER AS day FROM range(200000) r(i))`;
  assert.deepEqual(await distinctTuples(engine, all, ['carrier', 'flight', 'day']), { values: 200000, distinct: true });
});

test('keys distinct: by a bitmap where one can tell, else by grouping (text, a range too wide, NULL keys)', async () => {
  assert.equal(await keysDistinct(engine, values('(3), (-7), (0)'), ['k']), true);
  assert.equal(await keysDistinct(engine, values('(3), (-7), (3)'), ['k']), false);
  assert.equal(await keysDistinct(engine, values("('LAX'), ('JFK'), ('lax')", 'VARCHAR'), ['k']), true);
  assert.equal(await keysDistinct(engine, values("('LAX'), ('JFK'), ('LAX')", 'VARCHAR'), ['k']), false);
  assert.equal(await keysDistinct(engine, values('(1), (900000000000), (1)'), ['k']), false);
  assert.equal(await keysDistinct(engine, values("('a'), (NULL), (NULL)", 'VARCHAR'), ['k']), false);
  assert.equal(await keysDistinct(engine, values("('a'), ('b')", 'VARCHAR'), ['k', 'blank']), true);
});
