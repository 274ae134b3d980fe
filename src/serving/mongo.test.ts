import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MongoClient } from 'mongodb';
import { startTestMongo } from '../../test/support/mongo.js';
import { createApp } from '../api/server.js';
import { loadConfig } from '../config.js';
import { UserError } from '../errors.js';
import { MongoServingStore, redact } from './mongo.js';
import { servingStoreContract } from './serving.contract.js';

// The shared serving-store contract against a real MongoDB: MONGO_URI, or a mongod on PATH.
// Neither exists on the build machine (mongod cannot be downloaded there), so the suite then says
// loudly that it skipped; DATALAKE_REQUIRE_MONGO=1 turns the skip into a failure.
const mongo = await startTestMongo();
if (!mongo) {
  const message = 'MongoDB serving-store contract: no MONGO_URI and no mongod on PATH';
  if (process.env['DATALAKE_REQUIRE_MONGO'] === '1') throw new Error(`${message}, and DATALAKE_REQUIRE_MONGO=1`);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
  test('MongoDB serving-store contract', { skip: 'no MONGO_URI and no mongod on PATH' }, () => undefined);
} else {
  servingStoreContract(`MongoDB (${mongo.how})`, async () => {
    const store = new MongoServingStore(mongo.uri, mongo.db);
    return {
      store,
      close: async () => {
        await store.close();
        const client = await MongoClient.connect(mongo.uri);
        await client.db(mongo.db).dropDatabase();
        await client.close();
        await mongo.stop();
      },
    };
  });
}

test('an unreachable MongoDB is one clear error, and the next call tries again', async () => {
  const store = new MongoServingStore('mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300', 'datalake');
  try {
    for (let i = 0; i < 2; i++) {
      await assert.rejects(store.version(), (err: Error & { hint?: string }) => {
        assert.match(err.message, /^cannot reach the serving store mongodb mongodb:\/\/127\.0\.0\.1:9 \(database datalake\): /);
        assert.match(err.hint ?? '', /MONGO_URI/);
        return true;
      });
    }
  } finally {
    await store.close();
  }
});

test('a mongodb+srv:// host that does not resolve is the same clear error as an unreachable server', async () => {
  const store = new MongoServingStore('mongodb+srv://u:p@nonexistent.invalid', 'datalake');
  try {
    await assert.rejects(store.version(), (err: Error & { hint?: string }) => {
      assert.ok(err instanceof UserError, err.stack);
      assert.match(err.message, /^cannot reach the serving store mongodb mongodb\+srv:\/\/u:\*\*\*@nonexistent\.invalid \(database datalake\): query(Srv|Txt) E[A-Z]+/);
      assert.match(err.hint ?? '', /MONGO_URI/);
      return true;
    });
  } finally {
    await store.close();
  }
});

test('passwords never appear in the store description', () => {
  assert.equal(redact('mongodb+srv://app:s3cret@cluster0.example.net/datalake?retryWrites=true'), 'mongodb+srv://app:***@cluster0.example.net/datalake');
  assert.equal(new MongoServingStore('mongodb://u:p@localhost:27017/', 'x').description, 'mongodb mongodb://u:***@localhost:27017 (database x)');
});

test('a MONGO_URI the driver refuses stops a server as it starts, with one clear error', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mongo-uri-'));
  try {
    const config = loadConfig({ DATA_DIR: dir, MONGO_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=soon' });
    await assert.rejects(createApp(config), (err: Error & { hint?: string }) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^invalid MONGO_URI: /);
      assert.match(err.hint ?? '', /mongodb:\/\/host:27017/);
      return true;
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a store closed while it connects for the first time ends closed, not connected', async () => {
  const store = new MongoServingStore('mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300', 'datalake');
  const reading = store.version().catch((err: Error) => err);
  await store.close();
  assert.ok((await reading) instanceof Error);
  await assert.rejects(store.version(), /closed|cannot reach/);
});
