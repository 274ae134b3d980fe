import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { startS3Server } from '../../test/support/s3.js';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describeS3Error, S3ObjectStore } from './s3.js';
import { objectStoreContract } from './storage.contract.js';

objectStoreContract('S3 driver against s3rver', async () => {
  const server = await startS3Server();
  const store = new S3ObjectStore({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' });
  return { store, close: () => server.close() };
});

test('the conditional-writes probe tells a server that honours If-None-Match from one that ignores it', async () => {
  for (const conditionalWrites of [true, false]) {
    const server = await startS3Server({ conditionalWrites });
    try {
      const store = new S3ObjectStore({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' });
      await store.ensureBuckets();
      assert.equal(await store.conditionalWrites(), conditionalWrites);
      // Without the condition, the HEAD before the write still refuses a key that exists.
      assert.equal(await store.create('runs', 'once.json', 'a'), true);
      assert.equal(await store.create('runs', 'once.json', 'b'), false);
      assert.deepEqual(await store.list('runs', '_probe/'), [], 'the probe leaves nothing behind');
    } finally {
      await server.close();
    }
  }
});

describe('S3 driver errors are one clear line', () => {
  test('unreachable endpoint', async () => {
    const server = await startS3Server();
    const endpoint = server.endpoint;
    await server.close(); // nothing listens on that port any more
    const store = new S3ObjectStore({ endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' });
    await assert.rejects(store.ensureBuckets(), (err: Error & { hint?: string }) => {
      assert.match(err.message, new RegExp(`^cannot reach the S3 endpoint ${endpoint.replaceAll('.', '\\.')} \\(ECONNREFUSED\\)`));
      assert.match(err.hint ?? '', /MINIO_ENDPOINT/);
      return true;
    });
  });

  test('wrong credentials', async () => {
    const server = await startS3Server();
    try {
      const store = new S3ObjectStore({ endpoint: server.endpoint, accessKeyId: 'WRONG', secretAccessKey: 'WRONG', region: 'us-east-1' });
      await assert.rejects(store.ensureBuckets(), (err: Error & { hint?: string }) => {
        assert.match(err.message, /rejected the credentials \(InvalidAccessKeyId\)/);
        assert.match(err.hint ?? '', /MINIO_ACCESS_KEY and MINIO_SECRET_KEY/);
        return true;
      });
    } finally {
      await server.close();
    }
  });
});

test('a wrong secret key (SignatureDoesNotMatch) maps to the credentials message', () => {
  // s3rver does not verify SigV4 signatures, so this answer of real S3 / MinIO is built by hand.
  const answer = new S3ServiceException({ name: 'SignatureDoesNotMatch', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'The request signature we calculated does not match' });
  const err = describeS3Error(answer, 'list gold', 'http://minio:9000') as Error & { hint?: string };
  assert.equal(err.message, 'the S3 endpoint http://minio:9000 rejected the credentials (SignatureDoesNotMatch) while trying to list gold');
  assert.match(err.hint ?? '', /MINIO_SECRET_KEY/);
});

test('throttling and 5xx answers are retried with backoff, then the request succeeds', async () => {
  const server = await startS3Server();
  // A proxy that answers the first requests with 503 SlowDown, as a busy MinIO or S3 does.
  let refusals = 2;
  let seen = 0;
  const target = new URL(server.endpoint);
  const proxy = http.createServer((req, res) => {
    seen++;
    if (refusals > 0) {
      refusals--;
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      req.resume();
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  try {
    const store = new S3ObjectStore({ endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1', maxAttempts: 4 });
    await store.ensureBuckets();
    await store.putBytes('gold', 'retried.txt', 'ok');
    assert.equal((await store.getBytes('gold', 'retried.txt'))?.toString(), 'ok');
    assert.equal(refusals, 0);
    assert.ok(seen > 2);

    refusals = 10; // more refusals than attempts: a clear error, not a hang
    await assert.rejects(store.putBytes('gold', 'x.txt', 'x'), /S3 error SlowDown \(HTTP 503\)/);
  } finally {
    await new Promise((r) => proxy.close(r));
    await server.close();
  }
});
