import type { Queue } from 'bullmq';
import type { Config } from '../../config.js';
import type { ObjectStore } from '../../lake/index.js';
import { listSchedules } from '../schedule.js';
import type { RunJob } from './connection.js';

const SCHEDULER_PREFIX = 'schedule-';

/**
 * Distributed schedules: each schedule of the lake (and SCHEDULE) becomes a BullMQ job scheduler of the
 * run queue, which puts one run on the queue at each fire time however many workers sync it. Every
 * worker syncs them (idempotent), so schedules fire while any worker runs. Returns what changed.
 */
export async function syncJobSchedulers(queue: Queue<RunJob>, config: Config, lake: ObjectStore): Promise<string[]> {
  const wanted = new Map((await listSchedules(lake, config)).map((s) => [`${SCHEDULER_PREFIX}${s.id}`, s]));
  const existing = (await queue.getJobSchedulers()).filter((j) => j.key.startsWith(SCHEDULER_PREFIX));
  const changes: string[] = [];
  for (const j of existing) {
    if (!wanted.has(j.key)) {
      await queue.removeJobScheduler(j.key);
      changes.push(`schedule ${j.key.slice(SCHEDULER_PREFIX.length)} removed`);
    }
  }
  for (const [key, s] of wanted) {
    const current = existing.find((j) => j.key === key);
    if (current?.pattern === s.cron && current.name === s.flow) continue;
    await queue.upsertJobScheduler(key, { pattern: s.cron }, { name: s.flow, data: { flow: s.flow, fullRefresh: false, trigger: 'schedule' }, opts: { removeOnComplete: 1000, removeOnFail: 1000 } });
    changes.push(`schedule ${s.id}: ${s.flow} at "${s.cron}" put on ${queue.name}`);
  }
  return changes;
}
