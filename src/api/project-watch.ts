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
  kpisNoted: boolean;
}

const watches = new Map<string, Watch>();

/**
 * The project's definitions as they are on disk now, for what a running server must follow without a
 * restart: which columns are personal (a column marked `personal: true` is masked within a second in
 * the explorer, the quality report and the run records). Read again at most once a second, on demand;
 * a definition in the middle of an edit that does not load leaves the last that did. KPIs are not
 * followed (their routes and OpenAPI schemas are built at start): a change to them is logged once,
 * saying to restart.
 */
export function livePrivacy(started: Project, log?: { warn(message: string): void }): Privacy {
  return watched(started, log).privacy;
}

/**
 * The project's definitions as they are on disk now (read again at most once a second), for what a
 * running server follows without a restart: personal columns (livePrivacy) and freshness SLAs.
 */
export function liveProject(started: Project, log?: { warn(message: string): void }): Project {
  return watched(started, log).project;
}

function watched(started: Project, log?: { warn(message: string): void }): Watch {
  let watch = watches.get(started.dir);
  if (!watch) {
    // Read at the first call: the definitions may have changed since the server started.
    watch = { project: started, privacy: privacyOf(started), checkedAt: 0, kpisNoted: false };
    watches.set(started.dir, watch);
  }
  if (Date.now() - watch.checkedAt < RELOAD_MS) return watch;
  watch.checkedAt = Date.now();
  let now: Project;
  try {
    now = loadProject(started.dir, { builtIn: started.builtIn });
  } catch {
    return watch;
  }
  if (!watch.kpisNoted && kpiSignature(now) !== kpiSignature(started)) {
    watch.kpisNoted = true;
    log?.warn(`the project's KPIs changed since this server started (${started.dir}/kpis): restart \`datalake serve\` to serve them; personal columns and freshness are followed without a restart`);
  }
  if (privacySignature(now) !== privacySignature(watch.project)) watch.privacy = privacyOf(now);
  watch.project = now;
  return watch;
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

function kpiSignature(project: Project): string {
  return JSON.stringify(project.kpis.map((k) => [k.id, k.sql, k.columns]));
}
