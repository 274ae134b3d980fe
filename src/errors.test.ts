import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from 'node:test';
import { describeSystemError, UserError } from './errors.js';

test('a full disk is one line saying so and where, not an unexpected error', async () => {
  // /dev/full answers every write with ENOSPC, as a full disk does.
  const err = await fs.writeFile('/dev/full', 'x').then(() => undefined, (e: unknown) => e);
  const described = describeSystemError(err);
  assert.ok(described instanceof UserError);
  assert.match(described.message, /^the disk is full( \(\/dev\/full\))?: no space left to write$/);
  assert.match(described.hint!, /free space where DATA_DIR is/);
  const denied = describeSystemError(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/data/lake' }));
  assert.ok(denied instanceof UserError && /no permission to write \(\/data\/lake\)/.test(denied.message));
  const other = new Error('a bug');
  assert.equal(describeSystemError(other), other, 'anything else is left as it is');
});

test('an output path that cannot be one (a folder, a file where a folder goes, a missing folder) is one line naming it', async () => {
  const dir = await fs.mkdtemp('/tmp/datalake-errors-');
  try {
    await fs.writeFile(`${dir}/orders.csv`, 'id\n1\n');
    const failed = async (p: Promise<unknown>) => describeSystemError(await p.then(() => undefined, (e: unknown) => e));
    const cases: [unknown, RegExp][] = [
      [await failed(fs.mkdir(`${dir}/orders.csv`)), /^cannot make the folder .*orders\.csv: a file of that name exists$/],
      [await failed(fs.writeFile(dir, 'x')), /is a folder, not a file$/],
      [await failed(fs.writeFile(`${dir}/orders.csv/x.json`, 'x')), /orders\.csv\/x\.json: a part of this path is a file, not a folder$/],
      [await failed(fs.writeFile(`${dir}/nope/x.json`, 'x')), /^no such file or folder: .*nope\/x\.json$/],
    ];
    for (const [err, message] of cases) {
      assert.ok(err instanceof UserError, String(err));
      assert.match(err.message, message);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
