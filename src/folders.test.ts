import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { describeSystemError } from './errors.js';
import { makeFolder, makeFolderSync } from './folders.js';

test('makeFolder makes every missing level once and returns the first, like mkdir -p', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-folders-'));
  try {
    assert.equal(await makeFolder(path.join(root, 'a/b/c')), path.join(root, 'a'));
    assert.equal(await makeFolder(path.join(root, 'a/b/c')), undefined);
    makeFolderSync(path.join(root, 'a/d/e'));
    assert.ok(existsSync(path.join(root, 'a/d/e')));
    // Many at once under one new parent, as the lake's buckets are made.
    await Promise.all(['x', 'y', 'z'].map((b) => makeFolder(path.join(root, 'new', b))));
    assert.deepEqual((await fs.readdir(path.join(root, 'new'))).sort(), ['x', 'y', 'z']);
    await fs.writeFile(path.join(root, 'file'), '');
    await assert.rejects(makeFolder(path.join(root, 'file')), { code: 'EEXIST' });
    await assert.rejects(makeFolder(path.join(root, 'file/sub')), { code: 'ENOTDIR' });
    assert.throws(() => makeFolderSync(path.join(root, 'file')), { code: 'EEXIST' });
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

// Node's recursive mkdir loops forever there (the parent exists, the child is refused with ENOENT).
test('a folder that cannot be made under an existing one is an error, not an endless loop', { skip: !existsSync('/proc/self') && 'no /proc here' }, async () => {
  const err = await makeFolder('/proc/datalake-test/x').then(() => undefined, (e: unknown) => e);
  assert.equal((err as NodeJS.ErrnoException).code, 'ENOENT');
  assert.match((describeSystemError(err) as Error).message, /^no such file or folder: \/proc\/datalake-test$/);
  assert.throws(() => makeFolderSync('/proc/datalake-test'), { code: 'ENOENT' });
});
