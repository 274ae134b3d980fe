import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import {
  readJson,
  resumePoint,
  resumePrefix,
  resumeShards,
  resumeShardsPrefix,
  STAGING,
  stateKey,
  writeJson,
  type LakeObject,
  type ObjectStore,
} from '../lake/index.js';
import type { Manifest } from '../pipeline/bronze.js';
import type { SourceEntry } from '../pipeline/sources.js';
import type { RunContext, StageResult } from '../pipeline/context.js';
import { goldDefinitions, type GoldState } from '../pipeline/gold/index.js';
import type { Keepable, Shard, ShardKind, ShardLedger } from '../pipeline/shards.js';
import { definitionDigest, silverObjects, type SilverState } from '../pipeline/silver/index.js';
import type { VersionDraft } from '../pipeline/states.js';
import { FLOWS, type FlowName, type TaskName } from './definitions.js';
import type { RunRecorder } from './record.js';

/**
 * What a run keeps in the lake as it goes, for its resume (resume.ts says how a resume uses it): the
 * resume point, each finished task's state and each finished shard's output.
 */

/** What a resume of a run needs, `runs/_resume/<run>/run.json`, rewritten as the run's tasks finish. */
export interface ResumePoint {
  format: 1;
  runId: string;
  flow: FlowName;
  /** The version the run builds on (null: a lake never committed to): a resume refuses once another run committed. */
  base: { version: number | null; runId: string | null };
  definitions: Definitions;
  /** The source files bronze listed, once it finished. */
  sources?: SourceEntry[];
  /** The tasks the run finished, in order, each with the state document it left (a key of the run) and its result. */
  tasks: FinishedTask[];
}

export interface FinishedTask {
  name: TaskName;
  state?: LakeObject;
  result: StageResult;
}

/** Digests of what a run's outputs depend on besides the data: each dataset's definition, gold's models and KPIs, the quality settings. */
export interface Definitions {
  datasets: Record<string, string>;
  gold: string;
  settings: string;
}

export function definitionsOf(config: Config): Definitions {
  return {
    datasets: Object.fromEntries(config.project.datasets.map((d) => [d.name, definitionDigest(d)])),
    gold: goldDefinitions(config.project),
    settings: createHash('sha256').update(JSON.stringify(Object.entries(config.qualitySettings).sort())).digest('hex').slice(0, 16),
  };
}

interface ShardEntry {
  id: string;
  kind: ShardKind;
  label: string;
  output: unknown;
}

const shardId = (kind: ShardKind, input: unknown) => createHash('sha256').update(`${kind}\0${JSON.stringify(input)}`).digest('hex').slice(0, 24);

/** JSON of a shard output for the lake: no functions, no local paths (scratch does not outlive the attempt). */
function durableJson(output: unknown): string {
  return JSON.stringify(output, function (this: Record<string, unknown>, key, value: unknown) {
    if (typeof value === 'function') return undefined;
    if (key === 'local' && typeof this['bucket'] === 'string') return undefined;
    return value;
  });
}

/** The staged objects an output names. */
function stagedObjects(value: unknown, into: LakeObject[] = []): LakeObject[] {
  if (Array.isArray(value)) for (const v of value) stagedObjects(v, into);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['bucket'] === 'string' && typeof o['key'] === 'string' && o['key'].startsWith(STAGING)) into.push({ bucket: o['bucket'] as LakeObject['bucket'], key: o['key'] });
    else for (const v of Object.values(o)) stagedObjects(v, into);
  }
  return into;
}

/**
 * What a run keeps for its resume, as it goes: the resume point (written when the first task or shard
 * finishes, then at each task), each finished task's state, and each finished shard's output (the
 * {@link ShardLedger} the tasks consult). Writing it is best effort: a failure is logged once, and a
 * resume then redoes what it could not reuse.
 */
export class RunJournal implements ShardLedger {
  private readonly shards = new Map<string, ShardEntry>();
  private held: { kind: ShardKind; shard: Shard<unknown>; output: Keepable<unknown> }[] = [];
  private task: TaskName | undefined;
  private written = false;
  private warned = false;

  private constructor(
    private readonly lake: ObjectStore,
    private readonly recorder: RunRecorder,
    readonly point: ResumePoint,
  ) {}

  /** The journal of a run starting now, on the version its draft builds on. */
  static async start(ctx: RunContext, recorder: RunRecorder, flow: FlowName): Promise<RunJournal> {
    const { version } = await ctx.draft.base();
    return new RunJournal(ctx.lake, recorder, {
      format: 1,
      runId: ctx.runId,
      flow,
      base: { version: version?.version ?? null, runId: version?.runId ?? null },
      definitions: definitionsOf(ctx.config),
      tasks: [],
    });
  }

  /**
   * The journal of a run being resumed: its point keeps the tasks reused, and the outputs of the shards
   * it finished are read back (the next attempt of the failed task takes those whose files are there).
   */
  static async resume(ctx: RunContext, recorder: RunRecorder, flow: FlowName, point: ResumePoint | undefined, reused: Set<TaskName>): Promise<RunJournal> {
    if (!point) return RunJournal.start(ctx, recorder, flow);
    const journal = new RunJournal(ctx.lake, recorder, {
      ...point,
      tasks: point.tasks.filter((t) => reused.has(t.name)),
      ...(reused.has('bronze') && point.sources ? { sources: point.sources } : { sources: undefined }),
    });
    journal.written = true;
    for (const o of await ctx.lake.list('runs', resumeShardsPrefix(ctx.runId))) {
      const entries = await readJson<ShardEntry[]>(ctx.lake, { bucket: 'runs', key: o.key }).catch(() => undefined);
      for (const e of entries ?? []) journal.shards.set(e.id, e);
    }
    return journal;
  }

  /** The tasks a resume reuses: those the run finished, in order, up to the first whose objects are gone. */
  static async reusable(lake: ObjectStore, point: ResumePoint | undefined, flow: FlowName, log: (message: string, task: TaskName) => void): Promise<Set<TaskName>> {
    const reused = new Set<TaskName>();
    for (const name of FLOWS[flow]) {
      const done = point?.tasks.find((t) => t.name === name);
      if (!done) break;
      const missing = await missingOutput(lake, point!.runId, done);
      if (missing) {
        log(`not reused: ${missing}; it runs again`, name);
        break;
      }
      reused.add(name);
    }
    return reused;
  }

  /** Puts the states of the reused tasks back into the run's draft. */
  static async restore(lake: ObjectStore, draft: VersionDraft, point: ResumePoint | undefined, reused: Set<TaskName>): Promise<void> {
    for (const t of point?.tasks ?? []) {
      if (!reused.has(t.name) || !t.state) continue;
      const layer = layerOf(t.name);
      if (layer === 'bronze') draft.setManifest((await readJson<Manifest>(lake, t.state))!);
      if (layer === 'silver') draft.setSilver((await readJson<SilverState>(lake, t.state))!);
      if (layer === 'gold') draft.setGold((await readJson<GoldState>(lake, t.state))!);
    }
  }

  /** A run that completed (or whose audit failed) needs no resume state. */
  static async remove(lake: ObjectStore, runId: string): Promise<void> {
    for (const o of await lake.list('runs', resumePrefix(runId))) await lake.delete('runs', o.key);
  }

  /** An attempt of a task starts: outputs held by an earlier attempt are stale. */
  beginAttempt(task: TaskName): void {
    this.task = task;
    this.held = [];
  }

  setSources(sources: SourceEntry[]): void {
    this.point.sources = sources;
  }

  /** A task finished: the state it left in the draft is written under the run's key, and the point records it. */
  async finishTask(ctx: RunContext, name: TaskName, result: StageResult): Promise<void> {
    await this.safely(async () => {
      let state: LakeObject | undefined;
      const layer = layerOf(name);
      if (layer && result.details['skipped'] === undefined && ctx.draft.changed().includes(layer)) {
        const doc = layer === 'bronze' ? await ctx.draft.manifest() : layer === 'silver' ? await ctx.draft.silver() : await ctx.draft.gold();
        state = stateKey(layer, ctx.runId);
        await writeJson(this.lake, state, doc);
      }
      this.point.tasks = [...this.point.tasks.filter((t) => t.name !== name), { name, ...(state ? { state } : {}), result }];
      // After the flow's last task the run completes: there is nothing left to resume.
      if (FLOWS[this.point.flow].at(-1) !== name) await this.writePoint();
    });
  }

  async finished<I, O>(kind: ShardKind, shards: Shard<I>[]): Promise<(O | undefined)[]> {
    const found: (O | undefined)[] = [];
    const labels: string[] = [];
    for (const shard of shards) {
      const entry = this.shards.get(shardId(kind, shard.input));
      let output: O | undefined;
      if (entry) {
        output = entry.output as O;
        for (const o of stagedObjects(entry.output)) {
          if (!(await this.lake.head(o.bucket, o.key).catch(() => undefined))) output = undefined;
          if (!output) break;
        }
      }
      found.push(output);
      if (output) labels.push(shard.label);
    }
    if (labels.length) {
      const shown = labels.length > 5 ? `${labels.slice(0, 5).join(', ')} and ${labels.length - 5} more` : labels.join(', ');
      this.recorder.log('info', `reused ${labels.length} shard${labels.length > 1 ? 's' : ''} finished by an earlier attempt of this run: ${shown}`, this.task);
    }
    return found;
  }

  async record<I, O>(kind: ShardKind, done: { shard: Shard<I>; output: O }[]): Promise<void> {
    const entries: ShardEntry[] = [];
    for (const { shard, output } of done) {
      if (typeof (output as Keepable<O>).keep === 'function') this.held.push({ kind, shard, output: output as Keepable<unknown> });
      else entries.push({ id: shardId(kind, shard.input), kind, label: shard.label, output: JSON.parse(durableJson(output)) as unknown });
    }
    if (entries.length === 0) return;
    for (const e of entries) this.shards.set(e.id, e);
    await this.safely(async () => {
      await this.writePoint(false);
      await this.lake.putBytes('runs', resumeShards(this.point.runId, `${Date.now()}-${randomBytes(3).toString('hex')}`).key, durableJson(entries));
    });
  }

  async keepHeld(): Promise<void> {
    const held = this.held;
    this.held = [];
    const kept: { kind: ShardKind; shard: Shard<unknown>; output: unknown }[] = [];
    for (const h of held) {
      try {
        kept.push({ ...h, output: await h.output.keep!() });
      } catch (err) {
        this.recorder.log('warn', `cannot keep the output of ${h.shard.label} for a resume (${errorMessage(err)}): it will be done again`, this.task);
      }
    }
    for (const kind of new Set(kept.map((k) => k.kind))) await this.record(kind, kept.filter((k) => k.kind === kind));
  }

  /** The point is written once before anything that depends on it, then at each task. */
  private async writePoint(always = true): Promise<void> {
    if (!always && this.written) return;
    await writeJson(this.lake, resumePoint(this.point.runId), this.point);
    this.written = true;
  }

  private async safely(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!this.warned) this.recorder.log('warn', `cannot keep this run's resume state in the lake (${errorMessage(err)}): a resume would do again what it could not keep`, this.task);
      this.warned = true;
    }
  }
}

/** The layer whose state a task leaves in the draft: its own, and silver's for a compaction. */
export function layerOf(task: TaskName): 'bronze' | 'silver' | 'gold' | undefined {
  return task === 'bronze' || task === 'silver' || task === 'gold' ? task : task === 'compact' ? 'silver' : undefined;
}

/** Why a finished task's outputs cannot be reused (its state or an object of the run gone), if so. */
export async function missingOutput(lake: ObjectStore, runId: string, done: FinishedTask): Promise<string | undefined> {
  if (!done.state) return undefined;
  const doc = await readJson<unknown>(lake, done.state).catch(() => undefined);
  if (!doc) return `its state ${done.state.bucket}/${done.state.key} is gone`;
  const keys: { bucket: 'bronze' | 'silver' | 'gold'; key: string }[] = [];
  const layer = layerOf(done.name);
  if (layer === 'bronze') for (const f of (doc as Manifest).files) if (f.runId === runId) keys.push({ bucket: 'bronze', key: f.key });
  if (layer === 'silver') {
    const s = doc as SilverState;
    const all = [...Object.keys(s.datasets).flatMap((d) => [...silverObjects(s, d), ...(s.datasets[d]!.orphansObject ? [s.datasets[d]!.orphansObject!] : [])]), ...Object.values(s.quarantine ?? {}).map((q) => q.key)];
    for (const key of all) if (key.includes(runId)) keys.push({ bucket: 'silver', key });
  }
  if (layer === 'gold') for (const key of Object.values((doc as GoldState).objects).flat()) if (key.includes(runId)) keys.push({ bucket: 'gold', key });
  for (const k of keys) if (!(await lake.head(k.bucket, k.key))) return `its object ${k.bucket}/${k.key} is gone`;
  return undefined;
}
