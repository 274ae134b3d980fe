import fs, { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedProject } from './load.js';
import { makeFolderSync } from '../folders.js';

/**
 * The loaded project of a folder, kept between CLI commands: parsing the YAML with positions and
 * checking it field by field is most of what a light command (`kpis`, `runs`, `schedule --list`)
 * spends after node's own start, and it gives the same answer as long as the files are the same.
 *
 * The entry is keyed on the content of every definition file (not their times, which a copy or a
 * checkout can keep) and on the loader's own code, compared as they are rather than through a
 * digest (node:crypto alone took 6 ms of a `kpis` of 120 ms under Node 24), and is only ever a copy
 * of what loadProject returned: a project that does not load is never cached, so its errors are always reported.
 * It lives in the user's cache folder ($XDG_CACHE_HOME/datalake, else ~/.cache/datalake); a folder
 * that cannot be written just means no cache.
 */

const FORMAT = 2;
const FOLDERS = ['datasets', 'models', 'kpis'];

interface Entry {
  format: number;
  /** What the project was loaded from: see signatureOf. */
  signature: string;
  project: Omit<LoadedProject, 'sqlOrigins' | 'lines'> & { sqlOrigins: [string, { file: string; line: number }][]; lines: [string, number][] };
}

export function projectCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'datalake');
}

/** One file per project folder, named by a hash of its path (two folders sharing one only miss: the entry names its folder). */
function entryFile(projectDir: string, env: NodeJS.ProcessEnv): string {
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < projectDir.length; i++) h = Math.imul(h ^ projectDir.charCodeAt(i), 0x01000193) >>> 0;
  return path.join(projectCacheDir(env), `project-${h.toString(16).padStart(8, '0')}.json`);
}

/** The definition files' names and contents, the built-in flag and the loader's code, as one string. */
function signatureOf(projectDir: string, builtIn: boolean): string {
  const parts = [`${FORMAT}\0${builtIn}\0`];
  // The loader's code is part of the key: another version or build of datalake reads the files anew.
  // Every file as bytes (latin1 maps each byte to one character): files that differ never compare equal.
  const bytes = (file: string | URL) => readFileSync(file).toString('latin1');
  parts.push(bytes(new URL('../../package.json', import.meta.url)));
  const loaderDir = path.dirname(fileURLToPath(import.meta.url));
  for (const name of readdirSync(loaderDir).sort()) {
    const stat = statSync(path.join(loaderDir, name));
    parts.push(`${name}:${stat.size}:${stat.mtimeMs}\0`);
  }
  parts.push(bytes(path.join(projectDir, 'datalake.yml')));
  for (const folder of FOLDERS) {
    let names: string[];
    try {
      names = readdirSync(path.join(projectDir, folder)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(projectDir, folder, name);
      parts.push(`\0${folder}/${name}\0`);
      try {
        parts.push(bytes(file));
      } catch {
        parts.push('(unreadable)'); // a folder, or a file that cannot be read: loadProject will say
      }
    }
  }
  return parts.join('');
}

/** The cached project of a folder, if its files are those it was loaded from; undefined otherwise. */
export function cachedProject(found: { dir: string; builtIn: boolean }, env: NodeJS.ProcessEnv = process.env): { project?: LoadedProject; store: (p: LoadedProject) => LoadedProject } {
  let signature: string | undefined;
  try {
    signature = signatureOf(found.dir, found.builtIn);
  } catch {
    // A definition file is missing: loadProject will say which.
  }
  const file = entryFile(found.dir, env);
  const store = (project: LoadedProject) => {
    if (signature) writeEntry(file, { format: FORMAT, signature, project: { ...project, sqlOrigins: [...project.sqlOrigins], lines: [...project.lines] } });
    return project;
  };
  if (!signature) return { store };
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    if (entry.format !== FORMAT || entry.signature !== signature || entry.project.dir !== found.dir) return { store };
    touch(file);
    return { project: { ...entry.project, sqlOrigins: new Map(entry.project.sqlOrigins), lines: new Map(entry.project.lines) }, store };
  } catch {
    return { store }; // none yet, or unreadable: loaded again and rewritten
  }
}

/** A hit marks the entry as recently used, for pruning. */
function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // Read-only cache: it still serves.
  }
}

function writeEntry(file: string, entry: Entry): void {
  try {
    // Not Node's recursive mkdir, which spins forever under a folder refusing children (XDG_CACHE_HOME=/proc/x).
    makeFolderSync(path.dirname(file), 0o700);
    // Written aside then renamed: a command reading at the same time sees the old entry or the new one.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    fs.renameSync(tmp, file);
    prune(path.dirname(file));
  } catch {
    // No cache where the cache folder cannot be written.
  }
}

/** At most MAX_ENTRIES projects are remembered: the least recently loaded go first. */
const MAX_ENTRIES = 64;

function prune(dir: string): void {
  const entries = readdirSync(dir).filter((f) => f.startsWith('project-') && f.endsWith('.json'));
  if (entries.length <= MAX_ENTRIES) return;
  const aged = entries.map((f) => ({ f, at: statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => a.at - b.at);
  for (const { f } of aged.slice(0, entries.length - MAX_ENTRIES)) fs.rmSync(path.join(dir, f), { force: true });
}
