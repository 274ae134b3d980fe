import type { Readable } from 'node:stream';
import type { S3Settings } from '../config.js';
import type { S3ObjectStore } from './s3.js';
import type { Bucket, ObjectInfo, ObjectStore } from './storage.js';

/**
 * The S3 driver, loaded on its first call: the AWS SDK takes longer to load than most commands take to
 * run, and commands that never touch the lake (help, kpis, schedule --list) should not pay for it.
 */
export class LazyS3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly local = false;
  private store: Promise<S3ObjectStore> | undefined;

  constructor(
    private readonly settings: S3Settings,
    private readonly bucketPrefix = '',
  ) {
    // Said the way S3ObjectStore says it, without loading it.
    this.description = `s3 ${settings.endpoint}${bucketPrefix ? ` (buckets ${bucketPrefix}*)` : ''}`;
  }

  private driver(): Promise<S3ObjectStore> {
    this.store ??= import('./s3.js').then(({ S3ObjectStore }) => new S3ObjectStore(this.settings, this.bucketPrefix));
    return this.store;
  }

  async ensureBuckets(): Promise<void> {
    return (await this.driver()).ensureBuckets();
  }
  async bucketStatus(): Promise<Record<Bucket, boolean>> {
    return (await this.driver()).bucketStatus();
  }
  async putFile(bucket: Bucket, key: string, file: string, options?: { move?: boolean }): Promise<void> {
    return (await this.driver()).putFile(bucket, key, file, options);
  }
  async putBytes(bucket: Bucket, key: string, body: Uint8Array | string): Promise<void> {
    return (await this.driver()).putBytes(bucket, key, body);
  }
  async create(bucket: Bucket, key: string, body: Uint8Array | string): Promise<boolean> {
    return (await this.driver()).create(bucket, key, body);
  }
  async getBytes(bucket: Bucket, key: string): Promise<Buffer | undefined> {
    return (await this.driver()).getBytes(bucket, key);
  }
  async getStream(bucket: Bucket, key: string): Promise<Readable> {
    return (await this.driver()).getStream(bucket, key);
  }
  async localPath(bucket: Bucket, key: string, scratchDir: string): Promise<string> {
    return (await this.driver()).localPath(bucket, key, scratchDir);
  }
  async copy(from: { bucket: Bucket; key: string }, to: { bucket: Bucket; key: string }): Promise<void> {
    return (await this.driver()).copy(from, to);
  }
  async head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined> {
    return (await this.driver()).head(bucket, key);
  }
  async list(bucket: Bucket, prefix?: string): Promise<ObjectInfo[]> {
    return (await this.driver()).list(bucket, prefix);
  }
  async delete(bucket: Bucket, key: string): Promise<void> {
    return (await this.driver()).delete(bucket, key);
  }
  /** Whether the server honours If-None-Match (see S3ObjectStore.conditionalWrites). */
  async conditionalWrites(): Promise<boolean> {
    return (await this.driver()).conditionalWrites();
  }
}
