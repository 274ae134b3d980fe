import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import { test } from 'node:test';
import { Engine } from './duckdb.js';

const leftovers = async (purpose: string) => (await fs.readdir(os.tmpdir())).filter((n) => n.startsWith(`datalake-${purpose}-`));

test('an engine opened for a command outside a run leaves no folder behind', async () => {
  const purpose = `test${process.pid}`;
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '64MB' }, purpose);
  assert.equal((await leftovers(purpose)).length, 1);
  // Enough to spill past the limit: the folder is removed with what DuckDB wrote in it.
  await engine.rows(`SELECT count(*) AS n FROM (SELECT i, repeat('x', 100) AS s FROM range(2000000) t(i) ORDER BY s, i DESC)`);
  engine.close();
  assert.deepEqual(await leftovers(purpose), []);
});

test('a COPY that must keep row order keeps it, on one thread when its plan would not', async () => {
  const dir = await fs.mkdtemp(`${os.tmpdir()}/datalake-order-`);
  const engine = await Engine.open({ threads: 2, memoryLimit: '256MB' }, `${dir}/spill`);
  try {
    // A source read in parallel batches, in order: row i at position i.
    await engine.run(`COPY (SELECT i FROM range(1000000) t(i)) TO '${dir}/in.parquet' (FORMAT parquet, ROW_GROUP_SIZE 50000)`);
    const outOfOrder = `SELECT count(*) FILTER (WHERE i <> file_row_number) AS n FROM read_parquet('${dir}/out.parquet', file_row_number = true)`;
    // A list of constants in a condition becomes a join, whose plan does not keep the order.
    const joined = `COPY (SELECT i, i % 10 IN (1, 2, 3, 4, 5, 6, 7, 8) AS f FROM read_parquet('${dir}/in.parquet')) TO '${dir}/out.parquet' (FORMAT parquet)`;
    assert.deepEqual(await engine.copyInOrder(joined), { oneThread: true });
    assert.deepEqual(await engine.rows(outOfOrder), [{ n: 0 }]);
    const plain = `COPY (SELECT i, list_contains([1, 2, 3, 4, 5, 6, 7, 8], i % 10) AS f FROM read_parquet('${dir}/in.parquet')) TO '${dir}/out.parquet' (FORMAT parquet)`;
    assert.deepEqual(await engine.copyInOrder(plain), { oneThread: false });
    assert.deepEqual(await engine.rows(outOfOrder), [{ n: 0 }]);
    // The settings are back as they were: all threads, order not kept.
    assert.deepEqual(await engine.rows(`SELECT current_setting('threads') AS t, current_setting('preserve_insertion_order') AS p`), [{ t: 2, p: false }]);
    // An engine of one thread keeps the order anyway: no fallback to report.
    const single = await Engine.open({ threads: 1, memoryLimit: '256MB' }, `${dir}/spill1`);
    try {
      assert.deepEqual(await single.copyInOrder(joined), { oneThread: false });
      assert.deepEqual(await single.rows(outOfOrder), [{ n: 0 }]);
    } finally {
      single.close();
    }
  } finally {
    engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('64- and 128-bit integers past 2^53 come back exact, as decimal strings; the others as numbers', async () => {
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '64MB' }, `test${process.pid}`);
  try {
    const rows = await engine.rows(
      `SELECT 9007199254740993::BIGINT AS big, (-9223372036854775807)::BIGINT AS lowest, 170141183460469231731687303715884105727::HUGEINT AS huge,
              18446744073709551615::UBIGINT AS ubig, 9007199254740991::BIGINT AS safe, 42::BIGINT AS small, 1e300::DOUBLE AS dbl, 12.5::DECIMAL(18,2) AS dec`,
    );
    assert.deepEqual(rows, [
      { big: '9007199254740993', lowest: '-9223372036854775807', huge: '170141183460469231731687303715884105727', ubig: '18446744073709551615', safe: 9007199254740991, small: 42, dbl: 1e300, dec: 12.5 },
    ]);
  } finally {
    engine.close();
  }
});
