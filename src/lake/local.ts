import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { BUCKETS, assertValidKey, type Bucket, type ObjectInfo, type ObjectStore } from './storage.js';
import { makeFolder } from '../folders.js';

/**
 * The embedded lake: `<root>/<bucket>/<key>`. Writes go to `<root>/.tmp` first and are renamed into
 * place, so an object is never seen half written, even if the process is killed. Objects are regular
 * files the driver wrote: a symbolic link someone put in the folder is not an object (it is neither
 * listed nor read), so nothing outside the lake's root can be read through it.
 */
export class LocalObjectStore implements ObjectStore {
  readonly description: string;
  readonly local = true;
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.description = `folder ${root}`;
    this.tmpDir = path.join(root, '.tmp');
  }

  async ensureBuckets(): Promise<void> {
    try {
      await Promise.all([...BUCKETS.map((b) => makeFolder(path.join(this.root, b))), makeFolder(this.tmpDir)]);
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

  /** The path of an existing object, only if it is a regular file inside the bucket (no link on the way). */
  private async readablePath(bucket: Bucket, key: string): Promise<string | undefined> {
    const file = this.objectPath(bucket, key);
    try {
      const [real, base] = await Promise.all([fs.realpath(file), fs.realpath(path.join(this.root, bucket))]);
      if (real !== path.join(base, ...key.split('/'))) return undefined;
      return (await fs.lstat(file)).isFile() ? file : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  private async commit(tmp: string, bucket: Bucket, key: string): Promise<void> {
    const dest = this.objectPath(bucket, key);
    await withFolder(dest, () => fs.rename(tmp, dest));
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
      // A hard link fails if the name exists: create-if-absent, atomically, with the content complete.
      await withFolder(dest, () => fs.link(tmp, dest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async getBytes(bucket: Bucket, key: string): Promise<Buffer | undefined> {
    const file = await this.readablePath(bucket, key);
    try {
      return file ? await fs.readFile(file) : undefined;
    } catch (err) {
      // Deleted between the check and the read (a publish replacing it): as good as absent.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async getStream(bucket: Bucket, key: string): Promise<Readable> {
    return createReadStream(await this.existing(bucket, key));
  }

  async localPath(bucket: Bucket, key: string): Promise<string> {
    return this.existing(bucket, key);
  }

  private async existing(bucket: Bucket, key: string): Promise<string> {
    const file = await this.readablePath(bucket, key);
    if (!file) throw Object.assign(new Error(`no object ${bucket}/${key}`), { code: 'ENOENT' });
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
    const file = await this.readablePath(bucket, key);
    if (!file) return undefined;
    try {
      const st = await fs.lstat(file);
      return { key, size: st.size, modified: st.mtime };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(bucket: Bucket, prefix = ''): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    // A walk of real folders only: a link (to a file or a folder, dangling or not) is not an object,
    // and a file removed since its folder was read (a lock released, a staging file moved) is skipped.
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const key = `${keyPrefix}${e.name}`;
        if (e.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) await walk(path.join(dir, e.name), `${key}/`);
        } else if (e.isFile() && key.startsWith(prefix)) {
          const st = await fs.lstat(path.join(dir, e.name)).catch(() => undefined);
          if (st?.isFile()) out.push({ key, size: st.size, modified: st.mtime });
        }
      }
    };
    await walk(path.join(this.root, bucket), '');
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    await fs.rm(this.objectPath(bucket, key), { force: true });
    // Folders left empty go too, as prefixes do on S3 (vacuum would otherwise leave a tree of empty folders).
    const bucketDir = path.join(this.root, bucket);
    for (let dir = path.dirname(this.objectPath(bucket, key)); dir.startsWith(bucketDir + path.sep); dir = path.dirname(dir)) {
      if (!(await fs.rmdir(dir).then(() => true, () => false))) break;
    }
  }
}

/** Writes into `dest`'s folder, creating it; again if a delete pruned it (empty) in between. */
async function withFolder(dest: string, write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      return await write();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw err;
    }
  }
}
