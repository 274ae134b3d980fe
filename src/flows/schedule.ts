import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import type { Config } from '../config.js';
import { errorMessage, UserError } from '../errors.js';
import { readJson, SCHEDULES, writeJson, type ObjectStore } from '../lake/index.js';
import { FLOWS, isFlowName, type FlowName } from './definitions.js';
import { LakeBusyError } from './lock.js';
import { DATALAKE } from '../command-name.js';

/**
 * Schedules: a cron expression and the flow it fires. One comes from the SCHEDULE setting; others are
 * added with `datalake schedule "<cron>"` and kept in the lake (`runs/_schedules.json`), so every
 * server sharing the lake sees them. `datalake serve` fires them; the lake lock keeps two firings (or a
 * firing and a manual run) from writing at once.
 */
export interface Schedule {
  id: string;
  cron: string;
  flow: FlowName;
  /** `setting`: SCHEDULE; `lake`: added with `datalake schedule`. */
  source: 'setting' | 'lake';
  createdAt?: string;
}


const CRON_FORM = 'use 5 fields "minute hour day-of-month month day-of-week", e.g. "0 2 * * *" for 02:00 every day';

/**
 * Whether a cron expression has more than the 5 fields a schedule takes. croner reads a 6th (and 7th)
 * as seconds (and years): "* * * * * *" would start a run every second.
 */
export function hasSeconds(expression: string): boolean {
  return expression.trim().split(/\s+/).length > 5;
}

/** Checks a cron expression as croner reads it; returns its next fire time. */
export function checkCron(expression: string): Date | null {
  try {
    return new Cron(expression, { paused: true }).nextRun();
  } catch (err) {
    throw new UserError(
      `invalid cron expression "${expression}": ${errorMessage(err)}`,
      CRON_FORM,
    );
  }
}

async function readStored(lake: ObjectStore): Promise<Schedule[]> {
  return (await readJson<Schedule[]>(lake, SCHEDULES)) ?? [];
}

export async function listSchedules(lake: ObjectStore, config: Config): Promise<Schedule[]> {
  const fromSetting: Schedule[] = config.schedule ? [{ id: 'setting', cron: config.schedule, flow: 'pipeline', source: 'setting' }] : [];
  return [...fromSetting, ...(await readStored(lake))];
}

export async function addSchedule(lake: ObjectStore, cron: string, flow: string): Promise<Schedule> {
  if (!isFlowName(flow)) throw new UserError(`unknown flow "${flow}"`, `flows: ${Object.keys(FLOWS).join(', ')}`);
  if (hasSeconds(cron)) throw new UserError(`invalid cron expression "${cron}": ${cron.trim().split(/\s+/).length} fields; a schedule takes 5, without seconds`, CRON_FORM);
  if (checkCron(cron) === null) throw new UserError(`the cron expression "${cron}" never fires (a day that no month has, such as 31 February?)`, CRON_FORM);
  await lake.ensureBuckets();
  const schedules = await readStored(lake);
  const same = schedules.find((s) => s.cron.trim().replace(/\s+/g, ' ') === cron.trim().replace(/\s+/g, ' ') && s.flow === flow);
  if (same) throw new UserError(`schedule ${same.id} runs ${flow} at "${same.cron}" already`, `list them with \`${DATALAKE} schedule --list\``);
  const schedule: Schedule = { id: randomBytes(3).toString('hex'), cron, flow, source: 'lake', createdAt: new Date().toISOString() };
  await writeJson(lake, SCHEDULES, [...schedules, schedule]);
  return schedule;
}

export async function removeSchedule(lake: ObjectStore, id: string): Promise<void> {
  const schedules = await readStored(lake);
  if (!schedules.some((s) => s.id === id)) throw new UserError(`no schedule ${id}`, `list them with \`${DATALAKE} schedule --list\` (SCHEDULE is removed from the settings)`);
  await writeJson(lake, SCHEDULES, schedules.filter((s) => s.id !== id));
}

/** Fires the schedules in this process, re-reading the lake's list every `refreshMs`. */
export class Scheduler {
  private jobs = new Map<string, Cron>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Config,
    private readonly lake: ObjectStore,
    private readonly log: (message: string) => void = (m) => console.log(m),
    private readonly refreshMs = 60_000,
  ) {}

  async start(): Promise<void> {
    const sync = () => this.sync().catch((err: unknown) => this.log(`cannot read the schedules: ${errorMessage(err)}`));
    this.timer = setInterval(() => void sync(), this.refreshMs);
    this.timer.unref();
    await sync();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
  }

  private async sync(): Promise<void> {
    const wanted = await listSchedules(this.lake, this.config);
    const key = (s: Schedule) => `${s.id} ${s.cron} ${s.flow}`;
    const keys = new Set(wanted.map(key));
    for (const [k, job] of this.jobs) {
      if (!keys.has(k)) {
        job.stop();
        this.jobs.delete(k);
      }
    }
    for (const s of wanted) {
      if (this.jobs.has(key(s))) continue;
      // protect: a firing still running when the next is due is not started twice.
      this.jobs.set(key(s), new Cron(s.cron, { protect: true }, () => this.fire(s)));
      this.log(`schedule ${s.id}: ${s.flow} at "${s.cron}", next ${this.jobs.get(key(s))!.nextRun()?.toISOString() ?? 'never'}`);
    }
  }

  private async fire(s: Schedule): Promise<void> {
    // Loaded when a schedule fires: listing or adding schedules needs none of the pipeline.
    const [{ runFlow }, { withCurrentDefinitions }] = await Promise.all([import('./run-flow.js'), import('./definitions-now.js')]);
    // A KPI file added since the server started is built and published by the next scheduled run.
    let config = this.config;
    try {
      config = withCurrentDefinitions(config);
    } catch (err) {
      return this.log(`schedule ${s.id}: not started, the definitions do not load: ${errorMessage(err)}`);
    }
    const { summary, error } = await runFlow({ config, lake: this.lake, flow: s.flow, trigger: 'schedule' });
    if (error instanceof LakeBusyError) this.log(`schedule ${s.id}: skipped, ${error.message}`);
    else this.log(`schedule ${s.id}: run ${summary.runId} ${summary.state}${error ? `: ${errorMessage(error)}` : ''}`);
  }
}
