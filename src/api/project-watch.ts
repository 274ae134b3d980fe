import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { headerKey } from '../pipeline/csv-header.js';
import { loadProject } from '../project/load.js';
import type { Project } from '../project/types.js';
import { Redactor } from './redact.js';

/** How often a running server looks at the definition files again, at most. */
const RELOAD_MS = 1000;

/** What the server masks for a caller without the admin key, from the definitions as they are now. */
export interface Privacy {
  /** Columns declared personal in any dataset, by headerKey (`NOM` and `E-mail` match `nom` and `email`). */
  personal: ReadonlySet<string>;
  redactor: Redactor;
  /** The SQL of the gold tables (models and KPIs): what carries personal columns into gold under other names (personal-lineage.ts). */
  goldSql: readonly string[];
  /** The personal columns by their declared names (`full_name`), as that SQL names them. */
  declared: readonly string[];
}

interface Watch {
  project: Project;
  privacy: Privacy;
  checkedAt: number;
  /** The definition files' names, sizes and times when `project` was read (see stampOf). */
  stamp: string | undefined;
}

const watches = new Map<string, Watch>();

/**
 * The project's definitions as they are on disk now, for what a running server must follow without a
 * restart: which columns are personal (a column marked `personal: true` is masked within a second in
 * the explorer, the quality report and the run records). Read again at most once a second, on demand;
 * a definition in the middle of an edit that does not load leaves the last that did.
 */
export function livePrivacy(started: Project): Privacy {
  return watched(started).privacy;
}

/**
 * The project's definitions as they are on disk now (read again at most once a second), for what a
 * running server follows without a restart: personal columns (livePrivacy), freshness SLAs, and the
 * KPIs, tabs and datasets its app is built from (live-app.ts builds another when they change).
 */
export function liveProject(started: Project): Project {
  return watched(started).project;
}

function watched(started: Project): Watch {
  let watch = watches.get(started.dir);
  if (!watch) {
    // Read at the first call: the definitions may have changed since the server started.
    watch = { project: started, privacy: privacyOf(started), checkedAt: 0, stamp: undefined };
    watches.set(started.dir, watch);
  }
  if (Date.now() - watch.checkedAt < RELOAD_MS) return watch;
  watch.checkedAt = Date.now();
  // Parsing every file takes some 25 ms (the shop's): done only when a file's size or time changed.
  const stamp = stampOf(started.dir);
  if (stamp !== undefined && stamp === watch.stamp) return watch;
  watch.stamp = stamp;
  let now: Project;
  try {
    now = loadProject(started.dir, { builtIn: started.builtIn });
  } catch {
    return watch;
  }
  if (privacySignature(now) !== privacySignature(watch.project)) watch.privacy = privacyOf(now);
  watch.project = now;
  return watch;
}

/**
 * The definition files' names, sizes, inodes and modification times, as one string; undefined when one
 * was modified in the last two seconds (a file system keeping times to the second or two could show a
 * second write in the same time: such a stamp is never trusted, the files are read again next time).
 */
function stampOf(dir: string): string | undefined {
  const parts: string[] = [];
  let newest = 0;
  const add = (file: string) => {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st) return void parts.push(`${file}:none`);
    newest = Math.max(newest, st.mtimeMs, st.ctimeMs);
    parts.push(`${file}:${st.size}:${st.ino}:${st.mtimeMs}`);
  };
  add(path.join(dir, 'datalake.yml'));
  for (const folder of ['datasets', 'models', 'kpis']) {
    const where = path.join(dir, folder);
    add(where);
    let names: string[] = [];
    try {
      names = readdirSync(where).sort();
    } catch {
      // No such folder: its stat above says so.
    }
    for (const name of names) add(path.join(where, name));
  }
  return Date.now() - newest < 2000 ? undefined : parts.join('\n');
}

function privacyOf(project: Project): Privacy {
  return {
    // Under every header the definition gives the column (its exact `header`, its `also` spellings): a file may be headed so.
    personal: new Set(project.datasets.flatMap((d) => Object.entries(d.columns).filter(([, c]) => c.personal).flatMap(([n, c]) => [n, ...(c.header ? [c.header] : []), ...(c.also ?? [])].map(headerKey)))),
    redactor: new Redactor(project),
    goldSql: [...project.models.map((m) => m.sql), ...project.kpis.map((k) => k.sql)],
    declared: project.datasets.flatMap((d) => Object.entries(d.columns).filter(([, c]) => c.personal).map(([n]) => n)),
  };
}

function privacySignature(project: Project): string {
  return JSON.stringify([project.datasets.map((d) => [d.name, d.files, Object.entries(d.columns).filter(([, c]) => c.personal).map(([n, c]) => [n, c.header, c.also])]), project.models.map((m) => m.sql), project.kpis.map((k) => k.sql)]);
}
