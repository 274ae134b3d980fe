import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LocalObjectStore } from './local.js';
import { objectStoreContract } from './storage.contract.js';

objectStoreContract('folder driver', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-'));
  return { store: new LocalObjectStore(root), close: () => fs.rm(root, { recursive: true, force: true }) };
});

test('links put in the lake folder are not objects: nothing outside the root is listed or read through them', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-links-'));
  const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'outside-'));
  try {
    const store = new LocalObjectStore(root);
    await store.ensureBuckets();
    await store.putBytes('sources', 'real.csv', 'a\n1\n');
    await fs.writeFile(path.join(outside, 'secret.csv'), 'root:x:0:0\n');
    await fs.symlink(path.join(outside, 'secret.csv'), path.join(root, 'sources', 'passwd.csv'));
    await fs.symlink(outside, path.join(root, 'sources', 'elsewhere'));
    await fs.symlink(path.join(outside, 'gone.csv'), path.join(root, 'sources', 'dangling.csv'));
    assert.deepEqual((await store.list('sources')).map((o) => o.key), ['real.csv'], 'links (to a file, a folder, nothing) are not listed');
    for (const key of ['passwd.csv', 'elsewhere/secret.csv', 'dangling.csv']) {
      assert.equal(await store.head('sources', key), undefined, key);
      assert.equal(await store.getBytes('sources', key), undefined, key);
      await assert.rejects(store.localPath('sources', key), /no object/, key);
    }
    assert.equal((await store.getBytes('sources', 'real.csv'))!.toString(), 'a\n1\n');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  }
});
