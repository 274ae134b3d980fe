import cluster, { type Worker } from 'node:cluster';
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';

/**
 * Request counts per client for @fastify/rate-limit, shared by the processes of a SERVER_WORKERS
 * cluster: a worker asks the cluster's primary, which holds the counts of all (answerRateLimits), so
 * a client gets RATE_LIMIT_PER_MINUTE requests per minute whichever worker its connections land on.
 * A process that is not a cluster worker counts in memory. Each limited route counts on its own.
 */
export class SharedRateLimitStore implements FastifyRateLimitStore {
  constructor(
    _options?: FastifyRateLimitOptions,
    private readonly route = '',
  ) {}

  incr(key: string, callback: (error: Error | null, result?: Hit) => void, timeWindow: number): void {
    const name = `${this.route}\u0000${key}`;
    if (cluster.isWorker && process.connected && process.send) askPrimary(name, timeWindow, callback);
    else callback(null, local.hit(name, timeWindow));
  }

  child(routeOptions: object): FastifyRateLimitStore {
    const route = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo;
    return new SharedRateLimitStore(undefined, `${[route?.method ?? ''].flat().join(',')} ${route?.url ?? ''}`);
  }
}

interface Hit {
  current: number;
  ttl: number;
}

/** Fixed windows per client and route: the first request opens a window of `timeWindow` ms. */
class Counts {
  /** In the order the windows opened (a window that opens again moves to the end). */
  private readonly windows = new Map<string, { count: number; start: number; end: number }>();

  constructor(private readonly maxEntries = 100_000) {}

  hit(name: string, timeWindow: number, now = Date.now()): Hit {
    let w = this.windows.get(name);
    if (!w || w.end <= now) {
      this.prune(now);
      this.windows.delete(name);
      w = { count: 0, start: now, end: now + timeWindow };
      this.windows.set(name, w);
    }
    w.count++;
    return { current: w.count, ttl: w.end - now };
  }

  /** Drops the windows that have ended (the oldest first), and the oldest beyond maxEntries. */
  private prune(now: number): void {
    for (const [name, w] of this.windows) {
      if (w.end > now && this.windows.size < this.maxEntries) break;
      this.windows.delete(name);
    }
  }
}

const local = new Counts();

interface Ask {
  datalakeRateLimit: { id: number; name: string; timeWindow: number };
}
interface Answer {
  datalakeRateLimit: { id: number; current: number; ttl: number };
}

let nextId = 0;
const pending = new Map<number, (error: Error | null, result?: Hit) => void>();
let listening = false;

function askPrimary(name: string, timeWindow: number, callback: (error: Error | null, result?: Hit) => void): void {
  if (!listening) {
    listening = true;
    process.on('message', (message: Partial<Answer>) => {
      const a = message?.datalakeRateLimit;
      if (!a) return;
      const cb = pending.get(a.id);
      pending.delete(a.id);
      cb?.(null, { current: a.current, ttl: a.ttl });
    });
  }
  const id = ++nextId;
  pending.set(id, callback);
  const ask: Ask = { datalakeRateLimit: { id, name, timeWindow } };
  process.send!(ask, undefined, undefined, (err: Error | null) => {
    if (err && pending.delete(id)) callback(null, local.hit(name, timeWindow)); // the primary is gone: count here
  });
}

/** In the cluster's primary: answers the workers' questions from one set of counts. */
export function answerRateLimits(): void {
  const shared = new Counts();
  cluster.on('message', (worker: Worker, message: Partial<Ask>) => {
    const q = message?.datalakeRateLimit;
    if (!q || typeof q.name !== 'string' || typeof q.timeWindow !== 'number') return;
    const answer: Answer = { datalakeRateLimit: { id: q.id, ...shared.hit(q.name, q.timeWindow) } };
    if (worker.isConnected()) worker.send(answer);
  });
}
