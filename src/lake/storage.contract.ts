import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ObjectStore } from './storage.js';

/**
 * The behaviour every ObjectStore driver must have. Each driver's test file calls this with a
 * factory; a driver that cannot run here must say so loudly rather than pass silently.
 */
export function objectStoreContract(name: string, open: () => Promise<{ store: ObjectStore; close: () => Promise<void> }>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let close: () => Promise<void>;
    let scratch: string;
    before(async () => {
      ({ store, close } = await open());
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'store-contract-'));
      await store.ensureBuckets();
    });
    after(async () => {
      await close();
      await fs.rm(scratch, { recursive: true, force: true });
    });

    test('before its buckets are made, a lake lists and holds nothing (what doctor reads of a new lake)', async () => {
      const fresh = await open();
      try {
        assert.deepEqual(await fresh.store.list('runs'), []);
        assert.equal(await fresh.store.getBytes('runs', 'nothing.json'), undefined);
      } finally {
        await fresh.close();
      }
    });

    test('ensureBuckets is idempotent; bucketStatus sees every bucket', async () => {
      await store.ensureBuckets();
      assert.deepEqual(await store.bucketStatus(), { sources: true, bronze: true, silver: true, gold: true, runs: true });
      assert.deepEqual(await store.list('gold'), []);
    });

    test('create writes only when the key is free', async () => {
      assert.equal(await store.create('runs', 'lock-test.json', 'first'), true);
      assert.equal(await store.create('runs', 'lock-test.json', 'second'), false);
      assert.equal((await store.getBytes('runs', 'lock-test.json'))!.toString(), 'first');
      await store.delete('runs', 'lock-test.json');
      assert.equal(await store.create('runs', 'lock-test.json', 'third'), true);
      await store.delete('runs', 'lock-test.json');
    });

    test('creates of one key at once: exactly one wins, and its body is the one kept', async () => {
      const bodies = Array.from({ length: 12 }, (_, i) => `writer ${i}`);
      const won = await Promise.all(bodies.map((body) => store.create('runs', 'race-test.json', body)));
      const winners = bodies.filter((_, i) => won[i]);
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.equal((await store.getBytes('runs', 'race-test.json'))!.toString(), winners[0]);
      await store.delete('runs', 'race-test.json');
    });

    test('putBytes / getBytes / head round-trip; a missing object is undefined', async () => {
      await store.putBytes('silver', 'a/b/c.json', '{"x":1}');
      assert.equal((await store.getBytes('silver', 'a/b/c.json'))?.toString(), '{"x":1}');
      const info = await store.head('silver', 'a/b/c.json');
      assert.equal(info?.size, 7);
      assert.ok(info!.modified instanceof Date);
      assert.equal(await store.getBytes('silver', 'nope.json'), undefined);
      assert.equal(await store.head('silver', 'nope.json'), undefined);
    });

    test('putFile uploads a file (larger than one multipart part) byte for byte; move hands the file over', async () => {
      const file = path.join(scratch, 'big.bin');
      const big = Buffer.alloc(17 * 1024 * 1024 + 123);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      await fs.writeFile(file, big);
      await store.putFile('bronze', 'big.bin', file);
      assert.ok((await store.getBytes('bronze', 'big.bin'))!.equals(big));
      await fs.access(file);
      await store.putFile('bronze', 'moved.bin', file, { move: true });
      await assert.rejects(fs.access(file));
      assert.equal((await store.head('bronze', 'moved.bin'))?.size, big.length);
    });

    test('putBytes replaces an existing object', async () => {
      await store.putBytes('gold', 'x.txt', 'first');
      await store.putBytes('gold', 'x.txt', 'second');
      assert.equal((await store.getBytes('gold', 'x.txt'))?.toString(), 'second');
    });

    test('copy duplicates an object across buckets', async () => {
      await store.putBytes('sources', 'f.csv', 'a,b\n1,2\n');
      await store.copy({ bucket: 'sources', key: 'f.csv' }, { bucket: 'bronze', key: 'f.csv' });
      assert.equal((await store.getBytes('bronze', 'f.csv'))?.toString(), 'a,b\n1,2\n');
    });

    test('list returns keys sorted with sizes, filtered by prefix', async () => {
      await store.putBytes('runs', 'r/2.json', '22');
      await store.putBytes('runs', 'r/1.json', '1');
      await store.putBytes('runs', 'other.json', '333');
      assert.deepEqual((await store.list('runs')).map((o) => [o.key, o.size]), [['other.json', 3], ['r/1.json', 1], ['r/2.json', 2]]);
      assert.deepEqual((await store.list('runs', 'r/')).map((o) => o.key), ['r/1.json', 'r/2.json']);
    });

    test('getStream and localPath give the object bytes', async () => {
      await store.putBytes('gold', 's.txt', 'stream me');
      const chunks: Buffer[] = [];
      for await (const c of await store.getStream('gold', 's.txt')) chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'stream me');
      assert.equal(await fs.readFile(await store.localPath('gold', 's.txt', scratch), 'utf8'), 'stream me');
    });

    test('delete removes an object; deleting a missing one is fine', async () => {
      await store.putBytes('gold', 'd.txt', 'x');
      await store.delete('gold', 'd.txt');
      assert.equal(await store.head('gold', 'd.txt'), undefined);
      await store.delete('gold', 'd.txt');
    });

    test('keys that could escape the bucket are refused', async () => {
      for (const key of ['../x', 'a/../../x', '/etc/passwd', '', 'a//b', 'a\\b']) {
        await assert.rejects(store.putBytes('gold', key, 'x'), /invalid object key/, key);
        await assert.rejects(store.getBytes('gold', key), /invalid object key/, key);
      }
    });
  });
}
