import type { Config } from '../config.js';
import { LocalObjectStore } from './local.js';
import { S3ObjectStore } from './s3.js';
import type { ObjectStore } from './storage.js';

export * from './storage.js';
export * from './keys.js';
export * from './json.js';
export * from './versions.js';

/** The folder driver by default; S3 when MINIO_ENDPOINT is set. */
export function openObjectStore(config: Config): ObjectStore {
  return config.s3 ? new S3ObjectStore(config.s3, config.names.bucketPrefix) : new LocalObjectStore(config.lakeDir);
}
