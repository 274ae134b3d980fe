import type { Readable } from 'node:stream';
import pMap from 'p-map';
import { UserError } from '../errors.js';

/** The lake's buckets, one per medallion layer plus the run history. */
export const BUCKETS = ['sources', 'bronze', 'silver', 'gold', 'runs'] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

/**
 * Object storage as the pipeline needs it. Every write is atomic per object: a reader sees the old
 * object or the new one, never a partly written one.
 */
export interface ObjectStore {
  /** Human-readable location, for messages ("folder /x/lake", "s3 http://host:9000"). */
  readonly description: string;
  /**
   * Objects are files of this machine (the folder driver): a file moved in stays where `localPath`
   * finds it, so a file handed to the lake costs a rename, and reading it back costs nothing.
   */
  readonly local: boolean;
  /** Creates the lake's buckets that are missing; fails with a clear message if the store is unreachable. */
  ensureBuckets(): Promise<void>;
  /** Which buckets exist, without creating any; fails with a clear message if the store is unreachable. */
  bucketStatus(): Promise<Record<Bucket, boolean>>;
  /** Uploads a local file. With `move`, the caller hands the file over (the folder driver renames it). */
  putFile(bucket: Bucket, key: string, file: string, options?: { move?: boolean }): Promise<void>;
  putBytes(bucket: Bucket, key: string, body: Uint8Array | string): Promise<void>;
  /**
   * Writes only if no object has this key; false when one exists. Atomic on the folder driver and on
   * S3 services with conditional writes (AWS, MinIO); best effort on others.
   */
  create(bucket: Bucket, key: string, body: Uint8Array | string): Promise<boolean>;
  getBytes(bucket: Bucket, key: string): Promise<Buffer | undefined>;
  getStream(bucket: Bucket, key: string): Promise<Readable>;
  /**
   * A local path holding the object's bytes, for DuckDB. The folder driver returns the object itself
   * (read only!); the S3 driver downloads it into `scratchDir`.
   */
  localPath(bucket: Bucket, key: string, scratchDir: string): Promise<string>;
  copy(from: { bucket: Bucket; key: string }, to: { bucket: Bucket; key: string }): Promise<void>;
  head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined>;
  list(bucket: Bucket, prefix?: string): Promise<ObjectInfo[]>;
  delete(bucket: Bucket, key: string): Promise<void>;
}

/**
 * Requests made at once when a task reads or writes many objects: one after the other they cost a
 * round trip each on S3 (a gold build puts ~60 objects), where the objects are small and many.
 */
export const OBJECTS_AT_ONCE = 8;

/** Local paths of several objects (see ObjectStore.localPath), in the keys' order, fetched several at once. */
export function localPaths(lake: ObjectStore, bucket: Bucket, keys: readonly string[], scratchDir: string): Promise<string[]> {
  return pMap(keys, (key) => lake.localPath(bucket, key, scratchDir), { concurrency: OBJECTS_AT_ONCE });
}

/**
 * Keys are relative, slash-separated paths without empty, `.` or `..` segments, so that no key can
 * point outside its bucket on the folder driver.
 */
export function assertValidKey(key: string): void {
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) throw new UserError(`invalid object key "${key}"`, 'keys are relative paths like "achats.csv" or "quarantine/achats.parquet"');
}

export function assertBucket(bucket: string): asserts bucket is Bucket {
  if (!(BUCKETS as readonly string[]).includes(bucket)) {
    throw new UserError(`unknown bucket "${bucket}"`, `buckets are: ${BUCKETS.join(', ')}`);
  }
}
