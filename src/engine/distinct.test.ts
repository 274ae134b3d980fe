import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from './duckdb.js';
import { distinctIntegers } from './distinct.js';

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
