import { listVersions, readVersion, type LakeVersion, type ObjectStore } from '../lake/index.js';
import { isFlowName } from './definitions.js';
import { lockAlive, type LockInfo } from './lock.js';
import type { PublishInfo } from '../serving/index.js';
import type { RunRecord } from './record.js';
import { DATALAKE } from '../command-name.js';

/**
 * What a run whose process stopped (kill -9, a crash, a machine lost) had done, told from its record
 * and the lake's history rather than assumed: a run stopped after its commit has changed the lake, one
 * stopped after its publish the answers too, and a vacuum stopped while deleting has let versions go.
 * `doctor`, `datalake runs` and the run that takes the lake over (which closes the record) all say it.
 */
export interface Interruption {
  /** The version the run committed before it stopped. */
  committed?: number;
  /** Whether it published: the store shows the version it committed, or (committing none) a publish since it started. Undefined: not known. */
  published?: boolean;
  /** The last time the run was seen doing anything: the newest time in its record, or its lock's heartbeat. */
  lastSeen: string;
  /** What it had done, in a few words for a list: `committed version 3, not published`. */
  summary: string;
  /** The same as sentences, with what the lake and the store show now. */
  detail: string;
  /** What to do about it. */
  fix: string;
}

/** The start of the log line a vacuum writes, and saves, before its first deletion. */
export const VACUUM_PLAN_LOG = 'deleting ';

/** Whether a run recorded as running has no live process holding the lake for it (`lock`: the lake's lock now). */
export function stoppedRunning(record: RunRecord, lock: LockInfo | undefined): boolean {
  return record.state === 'running' && !(lock?.runId === record.runId && lockAlive(lock));
}

/** The version a run committed, if any: versions newer than its start are looked at, newest first. */
export async function versionCommittedBy(lake: ObjectStore, record: RunRecord): Promise<LakeVersion | undefined> {
  for (const n of (await listVersions(lake)).reverse()) {
    const version = await readVersion(lake, n);
    if (version?.runId === record.runId) return version;
    if (version && Date.parse(version.committedAt) < Date.parse(record.startedAt)) return undefined;
  }
  return undefined;
}

/** The newest time a record holds (attempts, log lines), or a lock's heartbeat when later. */
export function lastSeen(record: RunRecord, lock?: LockInfo): string {
  // A record cut short (written by hand, or by an older version) may lack any of them.
  const times = [record.startedAt, ...(record.logs ?? []).map((l) => l.time), ...(record.tasks ?? []).flatMap((t) => (t.attempts ?? []).flatMap((a) => [a.startedAt, a.endedAt]))];
  if (lock?.runId === record.runId) times.push(lock.heartbeatAt);
  const known = times.map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
  return new Date(known.length ? Math.max(...known) : Date.now()).toISOString();
}

/**
 * What an interrupted run had done. `lastPublish` asks the serving store for its last publish (asked
 * only of a run that committed a version or publishes; a store that does not answer leaves `published`
 * unknown): the run published when the store shows its version, or, for a run that committed none
 * (`publish`, a run with nothing new), when the store's last publish is later than the run's start,
 * since no one else publishes while a run holds the lake.
 */
export async function describeInterruption(lake: ObjectStore, record: RunRecord, options: { lastPublish: () => Promise<PublishInfo | undefined>; lock?: LockInfo }): Promise<Interruption> {
  const seen = lastSeen(record, options.lock);
  const resume = `\`${DATALAKE} run --resume ${record.runId}\``;
  const resumable = isFlowName(record.flow);
  const closes = `nothing to repair${resumable ? `; ${resume} closes its record` : ''} (so does the next run)`;
  if (record.flow === 'vacuum') return describeVacuum(lake, record, seen);
  const version = await versionCommittedBy(lake, record);
  const publishes = (record.tasks ?? []).some((t) => t.name === 'publish');
  const last = version || publishes ? await options.lastPublish().catch(() => null) : undefined;
  const shown = last?.data?.version;
  if (!version) {
    const published = last && shown !== undefined && Date.parse(last.publishedAt) >= Date.parse(record.startedAt);
    if (published) {
      const detail = `It had published version ${shown}, which it did not commit itself: the serving store shows it, only its record was left open`;
      return { published: true, lastSeen: seen, summary: `published version ${shown}`, detail, fix: closes };
    }
    const unknown = last === null ? '; whether it had published is unknown (the serving store did not answer)' : '';
    const fix = resumable ? `${resume} continues it, reusing what it finished; or start a new run` : 'run the command again';
    return { lastSeen: seen, summary: 'committed nothing', detail: `It changed nothing visible: it had committed no version${unknown}`, fix };
  }
  const committed = version.version;
  if (last === null) {
    return {
      committed,
      lastSeen: seen,
      summary: `committed version ${committed}, publish unknown`,
      detail: `It had committed version ${committed}; whether it published it is unknown (the serving store did not answer)`,
      fix: `once the serving store answers, \`${DATALAKE} publish\` publishes version ${committed} if it is not`,
    };
  }
  if (shown !== undefined && shown >= committed) {
    const detail = `It had committed version ${committed} and published it: the lake and the serving store show its work, only its record was left open`;
    return { committed, published: true, lastSeen: seen, summary: `committed version ${committed} and published it`, detail, fix: closes };
  }
  return {
    committed,
    published: false,
    lastSeen: seen,
    summary: `committed version ${committed}, not published`,
    detail: `It had committed version ${committed} but stopped before publishing it: the serving store still shows ${shown === undefined ? 'no version' : `version ${shown}`}`,
    fix: resumable ? `${resume} publishes it and closes its record (or \`${DATALAKE} publish\`)` : `\`${DATALAKE} publish\` publishes it`,
  };
}

/** A vacuum deletes version records first, then objects: what it had begun, from the plan it logged before deleting. */
async function describeVacuum(lake: ObjectStore, record: RunRecord, seen: string): Promise<Interruption> {
  const options = record.parameters.vacuum ?? {};
  const again = [
    `${DATALAKE} vacuum`,
    ...(options.keepVersions !== undefined ? [`--keep-versions ${options.keepVersions}`] : []),
    ...(options.olderThan !== undefined ? [`--older-than ${options.olderThan}`] : []),
    ...(options.bronze ? ['--bronze'] : []),
  ].join(' ');
  const plan = record.logs.find((l) => l.task === 'vacuum' && l.message.startsWith(VACUUM_PLAN_LOG))?.message;
  if (options.dryRun || !plan) {
    return { lastSeen: seen, summary: 'deleted nothing', detail: `It changed nothing: it had not begun deleting${options.dryRun ? ' (a dry run)' : ''}`, fix: `\`${again}${options.dryRun ? ' --dry-run' : ''}\` runs it again` };
  }
  const versions = await listVersions(lake);
  const kept = versions.length > 1 ? `the lake keeps versions ${versions[0]}–${versions.at(-1)} now, each whole` : versions.length ? `the lake keeps version ${versions[0]} now, whole` : 'the lake has no version';
  return {
    lastSeen: seen,
    summary: `begun ${plan}`,
    detail: `It had begun ${plan} (version records first, so a version is gone whole or kept whole): ${kept}; the objects it had not deleted yet are unreferenced`,
    fix: `\`${again}\` deletes what it left`,
  };
}
