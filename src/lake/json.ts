import { UserError } from '../errors.js';
import type { LakeObject } from './keys.js';
import type { ObjectStore } from './storage.js';

/**
 * The lake's state files (manifest, states, run records, lock, schedules) are small JSON documents:
 * read and written here only, so that a damaged one fails with its name rather than a bare SyntaxError.
 */
export async function readJson<T>(lake: ObjectStore, at: LakeObject): Promise<T | undefined> {
  const bytes = await lake.getBytes(at.bucket, at.key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new UserError(
      `${at.bucket}/${at.key} in ${lake.description} is not valid JSON (${(err as Error).message})`,
      'it was cut short or edited by hand: restore it from a backup, or delete it and run with --full-refresh',
    );
  }
}

export function writeJson(lake: ObjectStore, at: LakeObject, value: unknown): Promise<void> {
  return lake.putBytes(at.bucket, at.key, JSON.stringify(value, null, 2));
}

/** Writes only if the object does not exist yet; false when it does. */
export function createJson(lake: ObjectStore, at: LakeObject, value: unknown): Promise<boolean> {
  return lake.create(at.bucket, at.key, JSON.stringify(value, null, 2));
}
