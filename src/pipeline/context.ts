import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { Engine } from '../engine/duckdb.js';
import type { ObjectStore } from '../lake/index.js';
import type { ShardLedger } from './shards.js';
import { VersionDraft } from './states.js';

/** What a long step reports while it runs; the CLI draws it, tests ignore it. */
export interface StepProgress {
  /** Rows done so far, when the step counts rows. */
  rows?: number;
  /** 0..100, when only a percentage is known. */
  percent?: number;
}

export interface ProgressSink {
  begin(stage: string, step: string, total?: number): void;
  update(p: StepProgress): void;
  end(): void;
  /** A step that failed: stopped without a success line. */
  fail?(): void;
}

export const silentProgress: ProgressSink = { begin() {}, update() {}, end() {} };

export interface StageResult {
  stage: 'bronze' | 'silver' | 'gold' | 'commit' | 'publish' | 'vacuum' | 'compact';
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
  bytes: number;
  seconds: number;
  /** Stage-specific facts for the run record (files ingested, reasons, tables written, ...). */
  details: Record<string, unknown>;
}

/**
 * Everything a stage needs, owned by one run. The DuckDB engine is opened on first use and the
 * scratch folder (downloads from S3, files before upload, DuckDB spill) is removed when the run ends.
 */
export class RunContext {
  readonly runId: string;
  readonly scratchDir: string;
  /** The version this run builds: each task reads the states the tasks before it left, and sets its own. */
  readonly draft: VersionDraft;
  /** The shards this run finished, for a later attempt (a retry, a resume) to reuse: set by the flow runner. */
  ledger: ShardLedger | undefined;
  private engine: Engine | undefined;

  constructor(
    readonly config: Config,
    readonly lake: ObjectStore,
    readonly progress: ProgressSink = silentProgress,
    runId?: string,
  ) {
    this.runId = runId ?? newRunId();
    this.draft = new VersionDraft(lake, config.project);
    this.scratchDir = path.join(config.scratchDir, this.runId);
  }

  async db(): Promise<Engine> {
    this.engine ??= await Engine.open(this.config.duckdb, path.join(this.scratchDir, 'duckdb-spill'));
    return this.engine;
  }

  /** A fresh folder under the run's scratch space. */
  async workDir(name: string): Promise<string> {
    const dir = path.join(this.scratchDir, name);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  async close(): Promise<void> {
    this.engine?.close();
    this.engine = undefined;
    await fs.rm(this.scratchDir, { recursive: true, force: true });
  }
}

/** Unique, and sorted by start time down to the millisecond: `20261127T235501.042Z-3f9a1c`. */
export function newRunId(now = new Date(), suffix = randomBytes(3).toString('hex')): string {
  return `${now.toISOString().replace(/[-:]/g, '')}-${suffix}`;
}

export async function timed<T extends Omit<StageResult, 'seconds'>>(fn: () => Promise<T>): Promise<T & { seconds: number }> {
  const start = performance.now();
  const result = await fn();
  return { ...result, seconds: (performance.now() - start) / 1000 };
}
