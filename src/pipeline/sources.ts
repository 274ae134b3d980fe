import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Config } from '../config.js';
import type { ObjectStore } from '../lake/index.js';
import { isSourceFileName, SOURCE_EXTENSIONS_SAID } from '../lake/keys.js';
import { DATALAKE } from '../command-name.js';
import { sourceOrder } from './source-order.js';

// What bronze looks at: the CSV files of the sources folders and of the `sources` bucket, each with
// what says whether it changed since it was taken in.

/** A source file bronze may take in. */
export interface Candidate {
  name: string;
  origin: 'folder' | 'bucket';
  /** Size and modification time when listed: what a resume compares (see SourceEntry). */
  size: number;
  modified: string;
  /** The folder file; bucket files are read through the store. */
  file?: string;
  /** Why it cannot be read at all (not a regular file, an unusable name): it waits, whole. */
  defect?: string;
}

/** A source file as bronze listed it: a run resumed after bronze finished refuses when these differ. */
export interface SourceEntry {
  name: string;
  origin: 'folder' | 'bucket';
  size: number;
  /** Modification time, ISO (to the millisecond). */
  modified: string;
}

/** The CSV files of the sources folders and bucket, as bronze lists them. */
export async function listSources(config: Config, lake: ObjectStore): Promise<SourceEntry[]> {
  return (await listCandidates(config, lake, false)).map(({ name, origin, size, modified }) => ({ name, origin, size, modified }));
}

/**
 * Files of the sources folders, then those dropped straight into the `sources` bucket. A folder wins a
 * name clash with the bucket, and the project's sources/ one with $DATA_DIR/sources.
 */
export async function listCandidates(config: Config, lake: ObjectStore, required = true): Promise<Candidate[]> {
  const byName = new Map<string, Candidate>();
  for (const o of await lake.list('sources')) if (isSourceFileName(o.key)) byName.set(o.key, { name: o.key, origin: 'bucket', size: o.size, modified: o.modified.toISOString(), ...nameDefect(o.key) });
  const found: string[] = [];
  for (const dir of [...config.sourcesDirs].reverse()) {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      continue;
    }
    found.push(dir);
    for (const name of entries.filter(isSourceFileName)) {
      const file = path.join(dir, name);
      // Only regular files (a link to one is fine): a FIFO or a device would never end, a folder is no file.
      const st = await fs.stat(file).catch(() => undefined);
      const kind = !st ? 'a link to nothing' : st.isFile() ? undefined : st.isFIFO() ? 'a FIFO (named pipe)' : st.isDirectory() ? 'a folder' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
      const stamp = { size: st?.isFile() ? st.size : 0, modified: (st?.mtime ?? new Date(0)).toISOString() };
      byName.set(name, { name, origin: 'folder', file, ...stamp, ...(kind ? { defect: `not a regular file: ${kind}; only regular files (or links to them) are read` } : nameDefect(name)) });
    }
  }
  if (byName.size === 0 && required) {
    const { project } = config;
    const dirs = config.sourcesDirs.join(' or ');
    const others = found.length ? await unreadSourceFiles(config) : [];
    const unread = others.length ? ` (bronze reads ${SOURCE_EXTENSIONS_SAID} files, not ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''})` : '';
    const where = found.length ? `no source file in ${dirs}${unread || ` (bronze reads ${SOURCE_EXTENSIONS_SAID} files)`}` : `the sources folder ${dirs} does not exist`;
    const globs = project.datasets.flatMap((d) => d.files).join(', ');
    throw new UserError(
      `${where} and none in the sources bucket`,
      project.builtIn ? `run \`${DATALAKE} generate\`, or put clients.csv and achats.csv (or clients_*.csv, achats_*.csv) there (or set DATA_DIR)` : `put the source files there (${globs})`,
    );
  }
  // Their order is the order bronze numbers them in (`seq`), which silver merges them in: a browser's copy after its original.
  return [...byName.values()].sort((a, b) => sourceOrder(a.name, b.name));
}

/**
 * Files of the sources folders bronze does not read (`orders.csv.gz`, `orders.xlsx`): named in the run
 * summary, rather than passed over in silence. Hidden files and folders are not.
 */
export async function unreadSourceFiles(config: Config): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of config.sourcesDirs) {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (!e.name.startsWith('.') && !e.isDirectory() && !isSourceFileName(e.name)) names.add(e.name);
  }
  return [...names].sort();
}

/**
 * A folder file's identity as one string: inode, size, modification and change times to the
 * nanosecond. Tools that keep the modification time of a copy (cp -p, rsync -t) cannot keep the
 * change time, so new content always reads as a change.
 */
export async function statKey(file: string): Promise<string | undefined> {
  const st = await fs.stat(file, { bigint: true }).catch(() => undefined);
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
}

/** A file name the lake cannot keep as a key (a backslash, a control character). */
function nameDefect(name: string): { defect: string } | Record<string, never> {
  if (name.includes('\\')) return { defect: 'a backslash in the file name: the lake cannot keep it under that name; rename the file' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return { defect: 'control characters in the file name; rename the file' };
  return {};
}
