import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { kpiTableFixture, servingStoreContract } from './serving.contract.js';
import { SqliteServingStore } from './sqlite.js';

servingStoreContract('embedded SQLite', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'serving-'));
  const store = new SqliteServingStore(path.join(dir, 'serving.sqlite'));
  return { store, close: async () => { await store.close(); await fs.rm(dir, { recursive: true, force: true }); } };
});

test('processes opening a new store at the same moment all open it (a server\'s workers on a new DATA_DIR)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'serving-open-'));
  const files = Array.from({ length: 25 }, (_, i) => path.join(dir, `store-${i}`, 'serving.sqlite'));
  const opener = fileURLToPath(new URL('../../test/support/serving-opener.ts', import.meta.url));
  // Far enough ahead for every process to have loaded its modules before the first instant.
  const args = JSON.stringify({ files, startAt: Date.now() + 3000, spacingMs: 40 });
  const open = () =>
    new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', opener, args], (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
  try {
    const errors = (await Promise.all([open(), open(), open()])).filter(Boolean);
    assert.deepEqual(errors, [], 'every process opened every store');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a reader in another process never sees an empty or partial KPI table during publishes', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'serving-atomic-'));
  const file = path.join(dir, 'serving.sqlite');
  const store = new SqliteServingStore(file);
  const setA = [kpiTableFixture('kpi_x', 2000, 'A'), kpiTableFixture('kpi_y', 500, 'A')];
  const setB = [kpiTableFixture('kpi_x', 3000, 'B'), kpiTableFixture('kpi_y', 700, 'B')];
  await store.publish('first', setA);
  const reader = fileURLToPath(new URL('../../test/support/serving-reader.ts', import.meta.url));
  const args = JSON.stringify({ file, tables: ['kpi_x', 'kpi_y'], until: Date.now() + 2500 });
  const result = new Promise<{ seen: string[]; reads: number }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', reader, args], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
  });
  let publishes = 0;
  const stopAt = Date.now() + 2400;
  while (Date.now() < stopAt) {
    await store.publish(`run-${publishes}`, publishes % 2 ? setA : setB);
    publishes++;
    await new Promise((r) => setImmediate(r));
  }
  const { seen, reads } = await result;
  await store.close();
  await fs.rm(dir, { recursive: true, force: true });
  assert.ok(publishes > 10 && reads > 10, `publishes ${publishes}, reads ${reads}`);
  assert.deepEqual(seen.filter((s) => !['kpi_x:2000:A', 'kpi_x:3000:B', 'kpi_y:500:A', 'kpi_y:700:B'].includes(s)), [], 'only complete tables were seen');
  assert.ok(seen.includes('kpi_x:3000:B') && seen.includes('kpi_x:2000:A'), `the reader saw both versions: ${seen.join(', ')}`);
});

test('a store whose file is deleted and made again under a running reader is read again there, not served from the deleted file', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'serving-replaced-'));
  const file = path.join(dir, 'data', 'serving.sqlite');
  const reader = new SqliteServingStore(file);
  const writer = new SqliteServingStore(file);
  try {
    await writer.publish('run-1', [kpiTableFixture('kpi_x', 3, 'A')]);
    await writer.close();
    const first = await reader.version();
    assert.match(String(first), /^1@/);
    // `rm -rf data`, then another lake published from scratch in its place.
    await fs.rm(path.join(dir, 'data'), { recursive: true, force: true });
    const again = new SqliteServingStore(file);
    await again.publish('run-2', [kpiTableFixture('kpi_y', 2, 'B')]);
    await again.close();
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await reader.lastPublish())?.runId, 'run-2');
    assert.notEqual(await reader.version(), first, 'its first publish again, another version: no answer cached for the old one is served');
    assert.equal(await reader.read('kpi_x'), undefined);
    assert.equal((await reader.read('kpi_y'))?.length, 2);
  } finally {
    await reader.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
