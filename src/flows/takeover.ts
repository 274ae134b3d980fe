import fs from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../lake/index.js';
import { describeInterruption, lastSeen } from './interrupted.js';
import type { PublishInfo } from '../serving/index.js';
import type { LockInfo } from './lock.js';
import { readRun, RunRecorder } from './record.js';

/**
 * What a run does about the runs before it that died: continuing a record queued (or started by a
 * worker that died) under its own id, marking a dead lock holder's run failed, and removing the
 * scratch folders that dead runs left on this machine.
 */

/** Continues the record of a run queued (or started by a worker that died) under the same id. */
export async function continueRecord(lake: ObjectStore, recorder: RunRecorder): Promise<void> {
  const earlier = await readRun(lake, recorder.record.runId).catch(() => undefined);
  if (!earlier || earlier.state !== 'running') return;
  for (const t of earlier.tasks) {
    for (const a of t.attempts) if (a.state === 'running') recorder.closeAttempt(a, { state: 'failed', error: `interrupted: ${earlier.owner} stopped during this attempt` });
    recorder.task(t.name).attempts = t.attempts;
  }
  recorder.record.logs.unshift(...earlier.logs);
  recorder.log('warn', `resumed by ${recorder.record.owner}: ${earlier.owner} stopped during the run`);
}

/**
 * The run that died holding the lock is still marked running: it is marked failed, saying what it had
 * done (a version committed, published or not: flows/interrupted.ts), its tasks and time as they were
 * when it was last seen. `lastPublish` asks the serving store for its last publish.
 */
export async function markAbandoned(lake: ObjectStore, recorder: RunRecorder, lock: LockInfo, lastPublish: () => Promise<PublishInfo | undefined>): Promise<void> {
  const dead = await readRun(lake, lock.runId).catch(() => undefined);
  recorder.log('warn', `took over the lake from run ${lock.runId}, whose process stopped without releasing it`);
  if (!dead || dead.state !== 'running') return;
  const what = await describeInterruption(lake, dead, { lastPublish, lock }).catch(() => undefined);
  const ended = Date.parse(what?.lastSeen ?? lastSeen(dead, lock));
  dead.state = 'failed';
  dead.endedAt = new Date(ended).toISOString();
  dead.seconds = Math.max(0, (ended - Date.parse(dead.startedAt)) / 1000) || 0;
  dead.error = { message: `interrupted: the process stopped during the run (its lock expired)${what ? `; it had ${what.summary}` : ''}` };
  dead.logs ??= []; // a record cut short
  const closer = new RunRecorder(lake, dead);
  for (const t of dead.tasks) {
    // What the lake shows done is done, whatever the record had time to say.
    const done = (t.name === 'commit' && what?.committed !== undefined) || (t.name === 'publish' && what?.published === true);
    for (const a of t.attempts) if (a.state === 'running') closer.closeAttempt(a, done ? { state: 'completed' } : { state: 'failed', error: 'interrupted: the process stopped during this attempt' }, ended);
    if (done) t.state = 'completed';
    else if (t.state === 'running' || t.state === 'pending') t.state = t.state === 'running' ? 'failed' : 'cancelled';
  }
  closer.log('warn', `closed by run ${recorder.record.runId}, which took the lake over${what ? `: it had ${what.summary}` : ''}`);
  await closer.save();
}

/** A scratch folder of a run or process no longer alive, with the bytes it holds (when asked for). */
export interface DeadScratch {
  folder: string;
  bytes: number;
}

/**
 * Scratch folders of runs that died (kill -9) are never removed by their run. The run holding the lake
 * lock knows that no other run of this lake is alive: the folders of the runs this lake recorded (and
 * their shards'), and those of servers and `verify`s whose process is gone, are dead. Folders of runs
 * unknown to this lake (another lake sharing DATA_DIR) are left alone.
 */
export async function findDeadScratch(scratchDir: string, lake: ObjectStore, current: string, options: { sizes?: boolean } = {}): Promise<DeadScratch[]> {
  const entries = await fs.readdir(scratchDir).catch(() => [] as string[]);
  const dead: DeadScratch[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith(current)) continue;
    const pid = /^(?:server|verify)-(\d+)$/.exec(entry)?.[1];
    const runId = /^(\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{6})(?:-shard-.*)?$/.exec(entry)?.[1];
    const gone = pid ? !processAlive(Number(pid)) : runId ? (await readRun(lake, runId).catch(() => undefined)) !== undefined : false;
    if (gone) dead.push({ folder: entry, bytes: options.sizes ? await folderBytes(path.join(scratchDir, entry)) : 0 });
  }
  return dead;
}

/** Removes the dead scratch folders {@link findDeadScratch} finds; the caller holds the lake lock. */
export async function removeDeadScratch(scratchDir: string, lake: ObjectStore, current: string): Promise<DeadScratch[]> {
  const dead = await findDeadScratch(scratchDir, lake, current);
  await removeScratch(scratchDir, dead);
  return dead;
}

export async function removeScratch(scratchDir: string, dead: DeadScratch[]): Promise<void> {
  for (const d of dead) await fs.rm(path.join(scratchDir, d.folder), { recursive: true, force: true });
}

/** The bytes of the files under a folder (links not followed). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) if (e.isFile()) total += (await fs.lstat(path.join(e.parentPath, e.name)).catch(() => undefined))?.size ?? 0;
  return total;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
