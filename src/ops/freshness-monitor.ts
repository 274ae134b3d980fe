import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import { FRESHNESS_STATE, readJson, writeJson, type ObjectStore } from '../lake/index.js';
import { formatDuration } from '../duration.js';
import { Alerter, outsideText } from './alerts.js';
import { age, readFreshness, type DatasetFreshness, type FreshnessReport, type FreshnessState } from './freshness.js';

/**
 * The freshness alerts: every FRESHNESS_CHECK_SECONDS, each dataset's freshness (ops/freshness.ts) is
 * compared with the state last seen, kept in the lake (`runs/_freshness.json`) so that a restart does
 * not alert again. An alert goes on a change only: into warn (`freshness_warn`), into error
 * (`freshness_error`), and from warn or error back to ok (`recovered`). The state is written before the
 * alerts are sent: a crash between the two loses an alert rather than sending it twice.
 *
 * One process evaluates: the one that serves (the cluster's primary, beside the scheduler); with
 * REDIS_URL, the worker holding a lock in Redis (flows/queue/worker.ts passes `lock`).
 */
export interface StoredFreshness {
  /** When a state last changed (the file is written on a change only). */
  updatedAt: string;
  datasets: Record<string, { state: FreshnessState; since: string }>;
}

export type FreshnessEvent = 'freshness_warn' | 'freshness_error' | 'recovered';

/** The alert a change of state calls for; none for the same state, into `unknown` or ok from nothing known. */
export function freshnessEvent(previous: FreshnessState | undefined, current: FreshnessState): FreshnessEvent | undefined {
  if (previous === current) return undefined;
  if (current === 'warn') return 'freshness_warn';
  if (current === 'error') return 'freshness_error';
  if (current === 'ok' && (previous === 'warn' || previous === 'error')) return 'recovered';
  return undefined;
}

function freshnessText(project: string, d: DatasetFreshness, event: FreshnessEvent, previous: FreshnessState | undefined): string {
  const sla = [d.warnAfter !== undefined ? `warn after ${formatDuration(d.warnAfter)}` : '', d.errorAfter !== undefined ? `error after ${formatDuration(d.errorAfter)}` : ''].filter(Boolean).join(', ');
  const last = d.ageSeconds === null ? 'no file received yet' : `its newest file was ingested ${age(d.ageSeconds)} ago`;
  const what = event === 'freshness_error' ? 'is late' : event === 'freshness_warn' ? 'is stale' : `is fresh again (was ${previous})`;
  return `Data Lake ${project}: dataset ${d.dataset} ${what}: ${last} (${sla})`;
}

export interface MonitorOptions {
  log?: (message: string) => void;
  /** The clock (tests). */
  now?: () => Date;
  /** Whether this process may evaluate now (with Redis: it holds the lock); always, without. */
  lock?: () => Promise<boolean>;
}

export class FreshnessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly alerter: Alerter;
  private readonly log: (message: string) => void;
  private readonly now: () => Date;

  constructor(
    private readonly config: Config,
    private readonly lake: ObjectStore,
    private readonly options: MonitorOptions = {},
  ) {
    this.log = options.log ?? ((m) => console.log(m));
    this.now = options.now ?? (() => new Date());
    this.alerter = new Alerter(config, lake, this.log);
  }

  /** Whether there is anything to watch: a webhook, and a dataset with an SLA. */
  static needed(config: Config): boolean {
    return config.alerts.webhookUrl !== undefined && config.project.datasets.some((d) => d.freshness);
  }

  /**
   * One evaluation: the report, and the alerts it sent (each delivery in flight; awaited by tests).
   * Undefined when another process holds the lock.
   */
  async check(): Promise<{ report: FreshnessReport; alerts: { dataset: string; event: FreshnessEvent; delivery?: Promise<unknown> }[] } | undefined> {
    if (this.options.lock && !(await this.options.lock())) return undefined;
    const now = this.now();
    const report = await readFreshness(this.lake, this.config.project, now);
    const stored = (await readJson<StoredFreshness>(this.lake, FRESHNESS_STATE)) ?? { updatedAt: '', datasets: {} };
    const next: StoredFreshness = { updatedAt: now.toISOString(), datasets: {} };
    const alerts: { dataset: string; event: FreshnessEvent; d: DatasetFreshness; previous: FreshnessState | undefined }[] = [];
    let changed = false;
    for (const d of report.datasets) {
      if (d.state === 'no_sla') continue;
      const before = stored.datasets[d.dataset];
      if (before?.state === d.state) {
        next.datasets[d.dataset] = before;
        continue;
      }
      changed = true;
      next.datasets[d.dataset] = { state: d.state, since: now.toISOString() };
      const event = freshnessEvent(before?.state, d.state);
      if (event) alerts.push({ dataset: d.dataset, event, d, previous: before?.state });
    }
    // A dataset that lost its SLA (or its definition) is forgotten.
    if (Object.keys(stored.datasets).some((name) => !(name in next.datasets))) changed = true;
    if (changed) await writeJson(this.lake, FRESHNESS_STATE, next);
    return {
      report,
      alerts: alerts.map(({ dataset, event, d, previous }) => {
        const delivery = this.alerter.send({
          event,
          dataset,
          text: outsideText(this.config.project, freshnessText(this.config.project.name, d, event, previous)),
          freshness: {
            state: d.state,
            age_seconds: d.ageSeconds,
            last_ingested_at: d.lastIngestedAt,
            ...(d.warnAfter !== undefined ? { warn_after: d.warnAfter } : {}),
            ...(d.errorAfter !== undefined ? { error_after: d.errorAfter } : {}),
            ...(previous ? { previous } : {}),
          },
        });
        return { dataset, event, ...(delivery ? { delivery } : {}) };
      }),
    };
  }

  /** Evaluates now, then every FRESHNESS_CHECK_SECONDS, until stopped; a failed evaluation is logged once per message. */
  start(): void {
    let said = '';
    const tick = () => {
      // One evaluation at a time: a slow lake never piles them up.
      if (this.running) return;
      this.running = this.check()
        .then(() => (said = ''))
        .catch((err: unknown) => {
          const message = errorMessage(err);
          if (message !== said) this.log(`cannot evaluate the datasets' freshness: ${message}`);
          said = message;
        })
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.config.freshnessCheckSeconds * 1000);
    this.timer.unref();
    tick();
    this.log(`freshness of ${this.config.project.datasets.filter((d) => d.freshness).map((d) => d.name).join(', ')} checked every ${this.config.freshnessCheckSeconds} s; alerts to ${this.alerter.target}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
