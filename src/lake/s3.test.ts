import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startS3Server } from '../test-support/s3.js';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describeS3Error, S3ObjectStore } from './s3.js';
import { objectStoreContract } from './storage.contract.js';

objectStoreContract('S3 driver against s3rver', async () => {
  const server = await startS3Server();
  const store = new S3ObjectStore({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' });
  return { store, close: () => server.close() };
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
