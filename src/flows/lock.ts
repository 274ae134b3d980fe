import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { createJson, LAKE_LOCK, readJson, writeJson, type ObjectStore } from '../lake/index.js';
import { DATALAKE } from '../command-name.js';

/**
 * One writer per lake: a run holds `runs/_lock.json` while it writes, and refreshes it (a heartbeat)
 * so that the lock of a process that died expires and the next run can take over. The lock lives in
 * the lake itself, so two machines sharing a lake share it too.
 */

export interface LockInfo {
  runId: string;
  flow: string;
  owner: string;
  host: string;
  pid: number;
  acquiredAt: string;
  heartbeatAt: string;
}

export interface LockOptions {
  /** A lock whose heartbeat is older than this is abandoned (its process died). */
  ttlMs?: number;
  heartbeatMs?: number;
  /** Wait this long for the current writer to finish; 0 refuses at once. */
  waitMs?: number;
  pollMs?: number;
}

export class LakeBusyError extends UserError {
  constructor(readonly holder: LockInfo) {
    super(
      `another run is writing this lake: ${holder.flow} ${holder.runId}, started ${holder.acquiredAt} by ${holder.owner}`,
      `wait for it to finish (\`${DATALAKE} runs\`), or run again with --wait; a lock left by a process that died expires after a minute`,
    );
    this.name = 'LakeBusyError';
  }
}

/** Runs holding a lock in this process: a lock of this process that is not among them was left behind. */
const held = new Set<string>();

/** Whether the process holding a lock is known to be gone (same machine), without waiting for the TTL. */
function ownerIsGone(lock: LockInfo): boolean {
  if (lock.host !== os.hostname() || !Number.isInteger(lock.pid)) return false;
  if (lock.pid === process.pid) return !held.has(lock.runId);
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether a lock's holder is alive: its heartbeat is recent and its process is not known to be gone. */
export function lockAlive(lock: LockInfo, ttlMs = 60_000): boolean {
  return Date.now() - Date.parse(lock.heartbeatAt) <= ttlMs && !ownerIsGone(lock);
}

export class LakeLock {
  private timer: NodeJS.Timeout | undefined;
  private beat: Promise<void> = Promise.resolve();

  private constructor(
    private readonly lake: ObjectStore,
    readonly info: LockInfo,
    /** The record of a run that died holding the lock, if this lock was taken over from it. */
    readonly abandoned: LockInfo | undefined,
  ) {}

  static owner(): string {
    return `pid ${process.pid} on ${os.hostname()}`;
  }

  static async read(lake: ObjectStore): Promise<LockInfo | undefined> {
    try {
      return await readJson<LockInfo>(lake, LAKE_LOCK);
    } catch (err) {
      if (err instanceof UserError) return undefined; // unreadable: treated as abandoned
      throw err;
    }
  }

  static async acquire(lake: ObjectStore, holder: { runId: string; flow: string }, options: LockOptions = {}): Promise<LakeLock> {
    const ttl = options.ttlMs ?? 60_000;
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const now = new Date().toISOString();
      const info: LockInfo = { ...holder, owner: LakeLock.owner(), host: os.hostname(), pid: process.pid, acquiredAt: now, heartbeatAt: now };
      if (await createJson(lake, LAKE_LOCK, info)) {
        return new LakeLock(lake, info, undefined).start(options.heartbeatMs ?? ttl / 4);
      }
      const current = await LakeLock.read(lake);
      if (!current || Date.now() - Date.parse(current.heartbeatAt) > ttl || ownerIsGone(current)) {
        // Abandoned: take it over. Deleting then creating keeps a concurrent taker from winning twice.
        await lake.delete(LAKE_LOCK.bucket, LAKE_LOCK.key);
        if (await createJson(lake, LAKE_LOCK, info)) {
          return new LakeLock(lake, info, current).start(options.heartbeatMs ?? ttl / 4);
        }
        continue;
      }
      if (Date.now() >= deadline) throw new LakeBusyError(current);
      await sleep(Math.min(options.pollMs ?? 1000, Math.max(50, deadline - Date.now())));
    }
  }

  private start(heartbeatMs: number): this {
    held.add(this.info.runId);
    this.timer = setInterval(() => {
      this.info.heartbeatAt = new Date().toISOString();
      this.beat = writeJson(this.lake, LAKE_LOCK, this.info).catch(() => undefined);
    }, heartbeatMs);
    this.timer.unref();
    return this;
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    held.delete(this.info.runId);
    await this.beat; // a heartbeat still in flight would otherwise recreate the lock after the delete
    const current = await LakeLock.read(this.lake).catch(() => undefined);
    if (current?.runId === this.info.runId) await this.lake.delete(LAKE_LOCK.bucket, LAKE_LOCK.key).catch(() => undefined);
  }
}
