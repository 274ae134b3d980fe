import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { BUCKETS, assertValidKey, type Bucket, type ObjectInfo, type ObjectStore } from './storage.js';

/**
 * The embedded lake: `<root>/<bucket>/<key>`. Writes go to `<root>/.tmp` first and are renamed into
 * place, so an object is never seen half written, even if the process is killed.
 */
export class LocalObjectStore implements ObjectStore {
  readonly description: string;
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.description = `folder ${root}`;
    this.tmpDir = path.join(root, '.tmp');
  }

  async ensureBuckets(): Promise<void> {
    try {
      await Promise.all([...BUCKETS.map((b) => fs.mkdir(path.join(this.root, b), { recursive: true })), fs.mkdir(this.tmpDir, { recursive: true })]);
    } catch (err) {
      throw new UserError(`cannot create the lake folder ${this.root}: ${(err as NodeJS.ErrnoException).code ?? err}`, 'check DATA_DIR and its permissions');
    }
  }

  async bucketStatus(): Promise<Record<Bucket, boolean>> {
    const entries = await Promise.all(BUCKETS.map(async (b) => [b, await fs.stat(path.join(this.root, b)).then((s) => s.isDirectory(), () => false)] as const));
    return Object.fromEntries(entries) as Record<Bucket, boolean>;
  }

  objectPath(bucket: Bucket, key: string): string {
    assertValidKey(key);
    return path.join(this.root, bucket, ...key.split('/'));
  }

  private async commit(tmp: string, bucket: Bucket, key: string): Promise<void> {
    const dest = this.objectPath(bucket, key);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(tmp, dest);
  }

  private tmpPath(): string {
    return path.join(this.tmpDir, randomUUID());
  }

  async putFile(bucket: Bucket, key: string, file: string, options: { move?: boolean } = {}): Promise<void> {
    const tmp = this.tmpPath();
    await fs.mkdir(this.tmpDir, { recursive: true });
    try {
      if (options.move) {
        try {
          await fs.rename(file, tmp);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          await fs.copyFile(file, tmp, fs.constants.COPYFILE_FICLONE);
          await fs.rm(file, { force: true });
        }
      } else {
        await fs.copyFile(file, tmp, fs.constants.COPYFILE_FICLONE); // a reflink where the file system can
      }
      await this.commit(tmp, bucket, key);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async putBytes(bucket: Bucket, key: string, body: Uint8Array | string): Promise<void> {
    const tmp = this.tmpPath();
    await fs.mkdir(this.tmpDir, { recursive: true });
    try {
      await fs.writeFile(tmp, body);
      await this.commit(tmp, bucket, key);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async create(bucket: Bucket, key: string, body: Uint8Array | string): Promise<boolean> {
    const tmp = this.tmpPath();
    await fs.mkdir(this.tmpDir, { recursive: true });
    try {
      await fs.writeFile(tmp, body);
      const dest = this.objectPath(bucket, key);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      // A hard link fails if the name exists: create-if-absent, atomically, with the content complete.
      await fs.link(tmp, dest);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async getBytes(bucket: Bucket, key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.objectPath(bucket, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async getStream(bucket: Bucket, key: string): Promise<Readable> {
    const file = this.objectPath(bucket, key);
    await fs.access(file);
    return createReadStream(file);
  }

  async localPath(bucket: Bucket, key: string): Promise<string> {
    const file = this.objectPath(bucket, key);
    await fs.access(file);
    return file;
  }

  async copy(from: { bucket: Bucket; key: string }, to: { bucket: Bucket; key: string }): Promise<void> {
    // Objects are never modified in place (every write is a rename over the old one), so two keys may
    // share one inode: a hard link copies a large bronze file in no time.
    const tmp = this.tmpPath();
    await fs.mkdir(this.tmpDir, { recursive: true });
    try {
      await fs.link(this.objectPath(from.bucket, from.key), tmp);
    } catch {
      await fs.copyFile(this.objectPath(from.bucket, from.key), tmp, fs.constants.COPYFILE_FICLONE);
    }
    try {
      await this.commit(tmp, to.bucket, to.key);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await fs.stat(this.objectPath(bucket, key));
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(bucket: Bucket, prefix = ''): Promise<ObjectInfo[]> {
    const base = path.join(this.root, bucket);
    let entries: string[];
    try {
      entries = await fs.readdir(base, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: ObjectInfo[] = [];
    for (const rel of entries) {
      const key = rel.split(path.sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const st = await fs.stat(path.join(base, rel));
      if (st.isFile()) out.push({ key, size: st.size, modified: st.mtime });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    await fs.rm(this.objectPath(bucket, key), { force: true });
  }
}
