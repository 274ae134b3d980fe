import { ALERTS_PREFIX, BRONZE_MANIFEST, RESUME_PREFIX, GOLD_STATE, SILVER_STATE, readJson, LOG_PREFIX, STAGED_PREFIX, STAGING, listVersions, readVersion, runRecord, stagedRecordKey, versionRecordKey, type Bucket, type LakeObject, type LakeVersion, type ObjectStore } from '../lake/index.js';
import type { RunRecord } from '../flows/record.js';
import { failpoint } from '../failpoints.js';

/**
 * Vacuum: deletes what no kept version needs. A version is kept when it is one of the newest
 * `keepVersions` or was committed within `olderThanMs` (either keeps it); the current version always is.
 * An object is deleted only when it names the run that wrote it (every silver and gold object, state
 * document and staged file does: lake/keys.ts), no kept version or live staged version references it,
 * and that run is neither running nor younger than the window (a failed run may still be resumed). Raw
 * bronze files stay unless `bronze` is set. Objects of a layout vacuum does not know are never deleted.
 *
 * Planning is a pure function of what the lake holds ({@link LakeInventory}), so that its guarantee
 * can be checked over random histories; {@link vacuumLake} reads the inventory and carries the plan out.
 */
export interface VacuumOptions {
  /** The newest versions kept whatever their age; at least 1 (the current version). */
  keepVersions: number;
  /** Versions committed, and runs ended, within this many milliseconds are kept. */
  olderThanMs: number;
  /** Also delete raw bronze files: those merged into silver and received before the window. */
  bronze: boolean;
  dryRun: boolean;
}

export const VACUUM_DEFAULTS: VacuumOptions = { keepVersions: 10, olderThanMs: 30 * 86_400_000, bronze: false, dryRun: false };

export type DeletionReason = 'expired version' | 'expired staged version' | 'unreferenced' | 'staging' | 'resume state' | 'bronze' | 'old alert';

export interface Deletion {
  bucket: Bucket;
  key: string;
  size: number;
  reason: DeletionReason;
  /** The run that wrote the object. */
  run?: string;
}

export interface VacuumPlan {
  /** Versions committed before this time are not kept for their age. */
  cutoff: string;
  kept: number[];
  dropped: number[];
  /** In the order they are carried out: records first, so that nothing ever names a deleted object. */
  deletions: Deletion[];
  bytes: number;
  /** Objects looked at and kept. */
  keptObjects: number;
  keptBytes: number;
}

/** The part of a run's record vacuum needs: whether it may still need its objects. */
export interface RunLife {
  state: RunRecord['state'];
  /** When it last did anything (its end, else its start). */
  at: number;
}

export interface LakeInventory {
  versions: LakeVersion[];
  /** Versions whose audit failed, waiting for `publish --approve`. */
  staged: LakeVersion[];
  /** Every object of the buckets vacuum looks at (bronze only with `bronze`). */
  objects: { bucket: Bucket; key: string; size: number; modified: number }[];
  /** Records of the runs that wrote objects no kept version references; a run without a record is judged by its id's time. */
  runs: Map<string, RunLife>;
  /** A lake from before versions: the objects its states (at fixed keys) name, and those states. */
  legacy?: string[];
  /** The objects each state document of a kept (or staged) version names, by `bucket/key` of the document. */
  stateObjects: Map<string, string[]>;
  /** Bronze files the current silver merged (not waiting), with the time each was received. */
  merged: Map<string, number>;
  /** The run doing the vacuum. */
  self?: string;
}

const RUN_ID = /\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{6}/g;
/**
 * The run that wrote an object, from its key: the run folder of staged and resume files
 * (`_staging/<run>/…`), else the last run id (`achats/month=2026-01/<run>-data_0.parquet`, and a
 * quarantine object of a file re-sent under a run folder, `quarantine/…/<run ingesting>/achats/<run>.parquet`).
 */
export function ownerRun(key: string): string | undefined {
  const ids = [...key.matchAll(RUN_ID)].map((m) => m[0]);
  return key.startsWith(STAGING) || key.startsWith(RESUME_PREFIX) ? ids[0] : ids.at(-1);
}
/** The start time of a run, from its id. */
export function runIdTime(runId: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z/.exec(runId);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!) : 0;
}

const id = (bucket: Bucket, key: string) => `${bucket}/${key}`;

/** The versions kept: the newest `keepVersions`, those committed since the cutoff, and always the current one. */
export function keptVersions(versions: readonly LakeVersion[], options: Pick<VacuumOptions, 'keepVersions' | 'olderThanMs'>, now: number): { kept: LakeVersion[]; dropped: LakeVersion[] } {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const cutoff = now - options.olderThanMs;
  const newest = sorted.slice(-Math.max(1, options.keepVersions));
  const keep = (v: LakeVersion) => newest.includes(v) || Date.parse(v.committedAt) >= cutoff;
  return { kept: sorted.filter(keep), dropped: sorted.filter((v) => !keep(v)) };
}

/** Every object a version needs: its state documents, the objects of its tables and those its states name. */
export function versionObjects(v: LakeVersion, stateObjects?: Map<string, string[]>): string[] {
  const states = Object.values(v.states).map((s) => id(s.bucket, s.key));
  return [...states, ...states.flatMap((s) => stateObjects?.get(s) ?? []), ...Object.values(v.tables).flatMap((t) => t.objects.map((k) => id(t.bucket, k)))];
}

/** The objects a state document names (bronze's files, silver's partitions and quarantine, gold's tables), as `bucket/key`. */
export function objectsOfState(bucket: Bucket, doc: unknown): string[] {
  const d = (doc ?? {}) as {
    files?: unknown;
    datasets?: Record<string, { partitions?: Record<string, string[]>; orphansObject?: string }>;
    quarantine?: Record<string, { key: string }>;
    objects?: Record<string, string[]>;
  };
  // Bronze's manifest lists its files; a lake from before file versions kept them by name.
  const files = (Array.isArray(d.files) ? d.files : Object.values((d.files ?? {}) as object)) as { key?: string }[];
  const keys =
    bucket === 'bronze'
      ? files.map((f) => f.key)
      : bucket === 'silver'
        ? [...Object.values(d.datasets ?? {}).flatMap((s) => [...Object.values(s.partitions ?? {}).flat(), ...(s.orphansObject ? [s.orphansObject] : [])]), ...Object.values(d.quarantine ?? {}).map((q) => q.key)]
        : Object.values(d.objects ?? {}).flat();
  return keys.filter((k): k is string => typeof k === 'string').map((k) => id(bucket, k));
}

/** Which objects vacuum may delete as unreferenced: those that name their run, in the layers and a failed run's resume state (records are handled apart). */
function runScoped(bucket: Bucket, key: string): boolean {
  return ownerRun(key) !== undefined && (bucket === 'bronze' || bucket === 'silver' || bucket === 'gold' || (bucket === 'runs' && key.startsWith(RESUME_PREFIX)));
}

export function planVacuum(inv: LakeInventory, options: VacuumOptions, now: number): VacuumPlan {
  const cutoff = now - options.olderThanMs;
  const { kept, dropped } = keptVersions(inv.versions, options, now);
  const liveStaged = inv.staged.filter((s) => Date.parse(s.committedAt) >= cutoff || s.runId === inv.self);
  const referenced = new Set([...kept, ...liveStaged].flatMap((v) => versionObjects(v, inv.stateObjects)).concat(inv.legacy ?? []));
  const protectedRun = (run: string) => {
    if (run === inv.self) return true;
    const life = inv.runs.get(run);
    if (life && (life.state === 'running' || life.state === 'scheduled')) return true;
    return (life?.at ?? runIdTime(run)) >= cutoff;
  };

  const deletions: Deletion[] = [];
  // Records first: once they are gone, what they named is unreferenced, whatever happens next.
  for (const v of dropped) deletions.push({ bucket: 'runs', key: versionRecordKey(v.version).key, size: 0, reason: 'expired version', run: v.runId });
  for (const s of inv.staged) if (!liveStaged.includes(s)) deletions.push({ bucket: 'runs', key: stagedRecordKey(s.runId).key, size: 0, reason: 'expired staged version', run: s.runId });
  const records = new Map(deletions.map((d) => [id(d.bucket, d.key), d]));

  // The alerts log: deliveries older than the window go, the newest stays (doctor shows it).
  const alerts = inv.objects.filter((o) => o.bucket === 'runs' && o.key.startsWith(ALERTS_PREFIX)).map((o) => o.key).sort();
  const oldAlert = (key: string) => {
    const at = runIdTime(key.slice(ALERTS_PREFIX.length));
    return key !== alerts.at(-1) && at > 0 && at < cutoff;
  };

  let keptObjects = 0;
  let keptBytes = 0;
  for (const o of inv.objects) {
    const at = id(o.bucket, o.key);
    const owner = ownerRun(o.key);
    const record = records.get(at);
    if (record) {
      record.size = o.size;
      continue;
    }
    const bronzeFile = o.bucket === 'bronze' && !o.key.startsWith('_state/') && !o.key.startsWith(STAGING);
    let reason: DeletionReason | undefined;
    if (bronzeFile) {
      if (!options.bronze || (owner && protectedRun(owner))) reason = undefined;
      else if (inv.merged.has(o.key)) reason = inv.merged.get(o.key)! < cutoff ? 'bronze' : undefined;
      else if (inv.versions.length > 0 && !referenced.has(at) && o.modified < cutoff && !o.key.startsWith('_')) reason = 'unreferenced';
    } else if (o.bucket === 'runs' && o.key.startsWith(ALERTS_PREFIX)) {
      if (oldAlert(o.key)) reason = 'old alert';
    } else if (runScoped(o.bucket, o.key) && !referenced.has(at) && !protectedRun(owner!)) {
      reason = o.key.startsWith(STAGING) ? 'staging' : o.bucket === 'runs' ? 'resume state' : 'unreferenced';
    }
    if (reason) deletions.push({ bucket: o.bucket, key: o.key, size: o.size, reason, ...(owner ? { run: owner } : {}) });
    else {
      keptObjects++;
      keptBytes += o.size;
    }
  }
  // Records first, then the resume points naming staged files: a vacuum stopped half-way leaves only
  // objects nothing names, which the next one deletes.
  const order = (d: Deletion) => (d.reason === 'expired version' || d.reason === 'expired staged version' ? 0 : d.reason === 'resume state' ? 1 : 2);
  deletions.sort((a, b) => order(a) - order(b));
  return {
    cutoff: new Date(cutoff).toISOString(),
    kept: kept.map((v) => v.version),
    dropped: dropped.map((v) => v.version),
    deletions,
    bytes: deletions.reduce((n, d) => n + d.size, 0),
    keptObjects,
    keptBytes,
  };
}

/** The buckets vacuum looks at. Sources are the user's; bronze's raw files only with `bronze`. */
const SCANNED: Bucket[] = ['bronze', 'silver', 'gold', 'runs'];

/** Reads what {@link planVacuum} needs: every version record, staged version, object, and the records of the runs that matter. */
export async function readInventory(lake: ObjectStore, options: VacuumOptions, now: number, self?: string): Promise<LakeInventory> {
  const versions: LakeVersion[] = [];
  for (const n of await listVersions(lake)) {
    const v = await readVersion(lake, n);
    if (v) versions.push(v);
  }
  const objects: LakeInventory['objects'] = [];
  for (const bucket of SCANNED) {
    for (const o of await lake.list(bucket)) {
      // Run records, the lock, schedules and the log are listed apart or never touched.
      if (bucket === 'runs' && ![STAGED_PREFIX, LOG_PREFIX, ALERTS_PREFIX, RESUME_PREFIX].some((p) => o.key.startsWith(p))) continue;
      objects.push({ bucket, key: o.key, size: o.size, modified: o.modified.getTime() });
    }
  }
  const staged: LakeVersion[] = [];
  for (const o of objects) {
    if (o.bucket !== 'runs' || !o.key.startsWith(STAGED_PREFIX)) continue;
    const s = await readJson<LakeVersion>(lake, { bucket: 'runs', key: o.key });
    if (s) staged.push(s);
  }
  const { kept } = keptVersions(versions, options, now);
  const stateObjects = new Map<string, string[]>();
  for (const v of [...kept, ...staged]) {
    for (const s of Object.values(v.states)) {
      if (!stateObjects.has(id(s.bucket, s.key))) stateObjects.set(id(s.bucket, s.key), objectsOfState(s.bucket, await readJson(lake, s)));
    }
  }
  // A lake never committed to since versions came is its states at fixed keys: all of it is current.
  const legacy: string[] = [];
  if (versions.length === 0) {
    for (const s of [BRONZE_MANIFEST, SILVER_STATE, GOLD_STATE]) {
      const doc = await readJson(lake, s);
      if (doc) legacy.push(id(s.bucket, s.key), ...objectsOfState(s.bucket, doc));
    }
  }
  // Only the runs whose objects could go: a lake's whole history of records is not read.
  const referenced = new Set([...kept, ...staged].flatMap((v) => versionObjects(v, stateObjects)).concat(legacy));
  const owners = new Set(objects.filter((o) => !referenced.has(id(o.bucket, o.key))).map((o) => ownerRun(o.key)).filter((r): r is string => r !== undefined));
  const runs = new Map<string, RunLife>();
  for (const run of owners) {
    const record = await readJson<RunRecord>(lake, runRecord(run)).catch(() => undefined);
    if (record) runs.set(run, { state: record.state, at: Date.parse(record.endedAt ?? record.startedAt) || runIdTime(run) });
  }
  // A raw file is merged when every kept version (and staged one) that received it has merged it: a
  // rollback to a version that had it waiting would otherwise need it again.
  const merged = new Map<string, number>();
  if (options.bronze) {
    const docs = new Map<string, unknown>();
    const doc = async (s: LakeObject | undefined) => {
      if (!s) return undefined;
      if (!docs.has(id(s.bucket, s.key))) docs.set(id(s.bucket, s.key), await readJson(lake, s));
      return docs.get(id(s.bucket, s.key));
    };
    const received = new Map<string, number>();
    const unmerged = new Set<string>();
    for (const v of [...kept, ...staged]) {
      const manifest = (await doc(v.states.bronze)) as { files?: unknown } | undefined;
      const silver = (await doc(v.states.silver)) as { processed?: string[]; waiting?: Record<string, unknown> } | undefined;
      const processed = new Set(silver?.processed ?? []);
      for (const f of (Array.isArray(manifest?.files) ? manifest.files : []) as { key: string; ingestedAt: string }[]) {
        received.set(f.key, Date.parse(f.ingestedAt));
        if (!processed.has(f.key) || silver?.waiting?.[f.key]) unmerged.add(f.key);
      }
    }
    for (const [key, at] of received) if (!unmerged.has(key)) merged.set(key, at);
  }
  return { versions, staged, objects, runs, stateObjects, legacy, merged, ...(self ? { self } : {}) };
}

/** Plans the vacuum of a lake and, unless it is a dry run, carries it out. The caller holds the lake's lock. */
export async function vacuumLake(lake: ObjectStore, options: VacuumOptions, context: { now?: number; self?: string; onPlan?: (plan: VacuumPlan) => Promise<void>; onDelete?: (d: Deletion, done: number, total: number) => void } = {}): Promise<VacuumPlan> {
  const now = context.now ?? Date.now();
  const plan = planVacuum(await readInventory(lake, options, now, context.self), options, now);
  if (!options.dryRun) {
    if (plan.deletions.length) await context.onPlan?.(plan);
    for (const [i, d] of plan.deletions.entries()) {
      if (i === plan.dropped.length && i > 0) failpoint('vacuum:after-versions');
      await lake.delete(d.bucket, d.key);
      context.onDelete?.(d, i + 1, plan.deletions.length);
    }
  }
  return plan;
}
