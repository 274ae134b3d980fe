import type { Config } from '../config.js';
import { LocalObjectStore } from './local.js';
import { LazyS3ObjectStore } from './lazy-s3.js';
import type { ObjectStore } from './storage.js';

export * from './storage.js';
export * from './keys.js';
export * from './json.js';
export * from './versions.js';

/** The folder driver by default; S3 when MINIO_ENDPOINT is set (its SDK loaded on first use). */
export function openObjectStore(config: Config): ObjectStore {
  return config.s3 ? new LazyS3ObjectStore(config.s3, config.names.bucketPrefix) : new LocalObjectStore(config.lakeDir);
}
