import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Work still running in the background of this process that must not be dropped when it exits: alert
 * deliveries, and the work around them (finding the previous run, saving the record). Kept apart from
 * the alerts themselves, with no import, so that the CLI can wait for it at exit without loading them.
 */
const pending = new Set<{ done: Promise<unknown>; deadline: number }>();
let exiting = new AbortController();

/** Runs `work` in the background, tracked until it ends or `deadline` (ms since the epoch) passes; a throw is swallowed. */
export function track(work: Promise<unknown>, deadline: number): void {
  const entry = { done: work.catch(() => undefined), deadline };
  pending.add(entry);
  void entry.done.finally(() => pending.delete(entry));
}

/** Aborted when the process gives up waiting: deliveries stop and record themselves as abandoned. */
export function exitingSignal(): AbortSignal {
  return exiting.signal;
}

/**
 * Waits for the work in flight, at most until the latest of its deadlines (or `maxMs`); then abandons
 * what is left (each delivery is recorded as failed, `abandoned`) and waits up to 3 s for those
 * records. Returns how many were abandoned. Commands that return call it before the process exits
 * (cli/main.ts); servers and workers when they stop.
 */
export async function settleAlerts(maxMs?: number): Promise<number> {
  if (pending.size === 0) return 0;
  const started = Date.now();
  const all = () => Promise.all([...pending].map((p) => p.done));
  const timer = (ms: number) => sleep(Math.max(0, ms), 'timeout' as const, { ref: false });
  // (Work may add more while it runs: a run's alert adds its delivery.)
  const until = () => (maxMs !== undefined ? started + maxMs : Math.max(...[...pending].map((p) => p.deadline)));
  while (pending.size > 0 && Date.now() < until()) {
    await Promise.race([all(), timer(until() - Date.now())]);
  }
  const left = pending.size;
  if (left > 0) {
    exiting.abort();
    exiting = new AbortController();
    await Promise.race([all(), timer(3000)]);
  }
  return left;
}
