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
