import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '../config.js';
import { ServiceError, UserError } from '../errors.js';
import { BUCKETS, assertValidKey, type Bucket, type ObjectInfo, type ObjectStore } from './storage.js';

const PART_SIZE = 16 * 1024 * 1024;

// On Node 20 only, the SDK warns on every process start that its releases after January 2027 need
// Node 22; the pinned release supports Node 20, and the warning would end up in every CLI run's
// output. Node 22 and 24 get nothing silenced (and nothing to silence). README says so.
if (Number(process.versions.node.split('.')[0]) < 22) process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/**
 * Any S3-compatible service (MinIO, AWS S3). Path-style addressing so that MinIO works without DNS
 * tricks. S3 puts are atomic per object by protocol; large files go up in multipart.
 */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly local = false;
  private readonly client: S3Client;

  /**
   * `bucketPrefix` names the service's buckets of a project (`flights-bronze`); the shop keeps the
   * seed's names (`bronze`). Keys and the interface use the lake's own bucket names either way.
   */
  constructor(
    private readonly settings: S3Settings,
    private readonly bucketPrefix = '',
  ) {
    this.description = `s3 ${settings.endpoint}${bucketPrefix ? ` (buckets ${bucketPrefix}*)` : ''}`;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // The SDK's standard retry mode: exponential backoff with jitter on throttling, 5xx, timeouts and
      // connection resets; errors that will not go away (auth, 4xx) fail at once.
      maxAttempts: settings.maxAttempts ?? 4,
      retryMode: 'standard',
      // Checksums only where S3 requires them: older MinIO releases and other S3-compatible servers
      // reject the SDK's newer default (aws-chunked uploads with CRC trailers).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The service's name of a lake bucket. */
  private name(bucket: Bucket): string {
    return `${this.bucketPrefix}${bucket}`;
  }

  /** Runs one S3 call and turns transport and auth failures into one-line messages. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw describeS3Error(err, what, this.settings.endpoint);
    }
  }

  async ensureBuckets(): Promise<void> {
    const status = await this.bucketStatus();
    for (const bucket of BUCKETS) {
      if (!status[bucket]) await this.call(`create bucket ${this.name(bucket)}`, () => this.client.send(new CreateBucketCommand({ Bucket: this.name(bucket) })));
    }
  }

  async bucketStatus(): Promise<Record<Bucket, boolean>> {
    const status = {} as Record<Bucket, boolean>;
    for (const bucket of BUCKETS) {
      status[bucket] = await this.call(`check bucket ${this.name(bucket)}`, async () => {
        try {
          await this.client.send(new HeadBucketCommand({ Bucket: this.name(bucket) }));
          return true;
        } catch (err) {
          if (httpStatus(err) === 404) return false;
          // A HEAD answer has no body, so a 403 cannot tell bad credentials from a missing permission:
          // ask again with a GET, whose error names the cause.
          if (httpStatus(err) === 403) await this.client.send(new ListObjectsV2Command({ Bucket: this.name(bucket), MaxKeys: 1 }));
          throw err;
        }
      });
    }
    return status;
  }

  async putFile(bucket: Bucket, key: string, file: string, options: { move?: boolean } = {}): Promise<void> {
    assertValidKey(key);
    await this.call(`upload ${bucket}/${key}`, async () => {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.name(bucket), Key: key, Body: createReadStream(file) },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    });
    if (options.move) await fs.rm(file, { force: true });
  }

  async putBytes(bucket: Bucket, key: string, body: Uint8Array | string): Promise<void> {
    assertValidKey(key);
    await this.call(`upload ${bucket}/${key}`, () => this.client.send(new PutObjectCommand({ Bucket: this.name(bucket), Key: key, Body: body })));
  }

  async create(bucket: Bucket, key: string, body: Uint8Array | string): Promise<boolean> {
    assertValidKey(key);
    // Services without conditional writes ignore If-None-Match: the HEAD first narrows the race there.
    if (await this.head(bucket, key)) return false;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.name(bucket), Key: key, Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      if (httpStatus(err) === 412 || (err as Error).name === 'PreconditionFailed') return false;
      throw describeS3Error(err, `create ${bucket}/${key}`, this.settings.endpoint);
    }
  }

  async getBytes(bucket: Bucket, key: string): Promise<Buffer | undefined> {
    const stream = await this.getStreamOrUndefined(bucket, key);
    if (!stream) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async getStreamOrUndefined(bucket: Bucket, key: string): Promise<Readable | undefined> {
    assertValidKey(key);
    return this.call(`download ${bucket}/${key}`, async () => {
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.name(bucket), Key: key }));
        return res.Body as Readable;
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      }
    });
  }

  async getStream(bucket: Bucket, key: string): Promise<Readable> {
    const stream = await this.getStreamOrUndefined(bucket, key);
    if (!stream) throw new UserError(`object ${bucket}/${key} does not exist`);
    return stream;
  }

  async localPath(bucket: Bucket, key: string, scratchDir: string): Promise<string> {
    const stream = await this.getStream(bucket, key);
    await fs.mkdir(scratchDir, { recursive: true });
    const file = path.join(scratchDir, `${randomUUID()}-${path.basename(key)}`);
    await this.call(`download ${bucket}/${key}`, () => pipeline(stream, createWriteStream(file)));
    return file;
  }

  async copy(from: { bucket: Bucket; key: string }, to: { bucket: Bucket; key: string }): Promise<void> {
    assertValidKey(from.key);
    assertValidKey(to.key);
    // `=` (of `ingest_date=…` folders) is left as it is: S3 and MinIO read it either way, s3rver only so.
    const source = `${this.name(from.bucket)}/${from.key.split('/').map((part) => encodeURIComponent(part).replaceAll('%3D', '=')).join('/')}`;
    await this.call(`copy ${from.bucket}/${from.key} to ${to.bucket}/${to.key}`, () =>
      this.client.send(new CopyObjectCommand({ Bucket: this.name(to.bucket), Key: to.key, CopySource: source })),
    );
  }

  async head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    return this.call(`read ${bucket}/${key}`, async () => {
      try {
        const res = await this.client.send(new HeadObjectCommand({ Bucket: this.name(bucket), Key: key }));
        return { key, size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date(0) };
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      }
    });
  }

  async list(bucket: Bucket, prefix = ''): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.call(`list ${bucket}`, async () => {
        try {
          return await this.client.send(new ListObjectsV2Command({ Bucket: this.name(bucket), Prefix: prefix || undefined, ContinuationToken: token }));
        } catch (err) {
          // A bucket the first run has not made yet holds nothing, as a folder not made yet does (doctor on a new lake).
          if (httpStatus(err) === 404 && (err as { name?: string }).name === 'NoSuchBucket') return { Contents: [], IsTruncated: false, NextContinuationToken: undefined };
          throw err;
        }
      });
      for (const o of res.Contents ?? []) {
        if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /**
   * Whether the server honours conditional writes (If-None-Match: *): a second create of one key must
   * fail. Servers that ignore the header leave only the HEAD before the write (and the lake lock) to
   * keep two writers from committing the same version.
   */
  async conditionalWrites(): Promise<boolean> {
    const key = `_probe/conditional-${process.pid}-${Date.now()}`;
    const put = () => this.client.send(new PutObjectCommand({ Bucket: this.name('runs'), Key: key, Body: 'probe', IfNoneMatch: '*' }));
    try {
      await this.call(`probe runs/${key}`, put);
      try {
        await put();
        return false;
      } catch (err) {
        if (httpStatus(err) === 412 || (err as Error).name === 'PreconditionFailed') return true;
        throw describeS3Error(err, `probe runs/${key}`, this.settings.endpoint);
      }
    } finally {
      await this.delete('runs', key).catch(() => undefined);
    }
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    assertValidKey(key);
    await this.call(`delete ${bucket}/${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.name(bucket), Key: key })));
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export function describeS3Error(err: unknown, what: string, endpoint: string): Error {
  if (err instanceof UserError) return err;
  const code = (err as { code?: string; name?: string })?.code ?? (err as { name?: string })?.name ?? '';
  const causeCode = (err as { cause?: { code?: string } })?.cause?.code;
  if (NETWORK_CODES.has(code) || (causeCode && NETWORK_CODES.has(causeCode)) || code === 'TimeoutError') {
    return new ServiceError(`cannot reach the S3 endpoint ${endpoint} (${causeCode ?? code}) while trying to ${what}`, 'start MinIO / the S3 service, or fix MINIO_ENDPOINT and MINIO_SECURE', { cause: err });
  }
  if (err instanceof S3ServiceException || httpStatus(err) !== undefined) {
    const name = (err as Error).name;
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken'].includes(name)) {
      return new UserError(`the S3 endpoint ${endpoint} rejected the credentials (${name}) while trying to ${what}`, 'check MINIO_ACCESS_KEY and MINIO_SECRET_KEY', { cause: err });
    }
    if (name === 'AccessDenied' || httpStatus(err) === 403) {
      return new UserError(
        `access denied by ${endpoint} while trying to ${what}`,
        'check MINIO_ACCESS_KEY / MINIO_SECRET_KEY, and that they may read and write the buckets sources, bronze, silver, gold and runs',
        { cause: err },
      );
    }
    const status = httpStatus(err) ?? 0;
    const Failure = status >= 500 || ['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout'].includes(name) ? ServiceError : UserError;
    return new Failure(`S3 error ${name} (HTTP ${httpStatus(err) ?? '?'}) from ${endpoint} while trying to ${what}: ${(err as Error).message}`, undefined, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

