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
