import { parseDuration } from '../duration.js';
import { UserError } from '../errors.js';
import type { RunParameters } from '../flows/record.js';
import { findDeadScratch, removeScratch, type DeadScratch } from '../flows/takeover.js';
import { timed, type RunContext, type StageResult } from '../pipeline/context.js';
import { VACUUM_PLAN_LOG } from '../flows/interrupted.js';
import { VACUUM_DEFAULTS, vacuumLake, type Deletion, type VacuumOptions, type VacuumPlan } from './vacuum.js';

/** What a vacuum run records (its stage's `details`), and what its summary shows. */
export interface VacuumDetails {
  dryRun: boolean;
  cutoff: string;
  keepVersions: number;
  bronze: boolean;
  versionsKept: number[];
  versionsDropped: number[];
  deleted: number;
  byReason: Record<string, { objects: number; bytes: number }>;
  objectsKept: number;
  bytesKept: number;
  deletions: Deletion[];
  notListed?: number;
  /** Local scratch folders of runs and processes no longer alive (under the scratch space), deleted unless a dry run. */
  scratch?: DeadScratch[];
}

/** How many deletions a run record lists one by one (the counts per reason cover all of them). */
const LISTED = 5000;

/** The options of a vacuum from a run's parameters, checked. */
export function vacuumOptions(p: NonNullable<RunParameters['vacuum']>): VacuumOptions {
  const keepVersions = p.keepVersions ?? VACUUM_DEFAULTS.keepVersions;
  if (!Number.isInteger(keepVersions) || keepVersions < 1) throw new UserError(`--keep-versions ${keepVersions} is not a whole number of versions of at least 1`, 'the current version is always kept: --keep-versions 1 keeps it alone');
  return {
    keepVersions,
    olderThanMs: p.olderThan === undefined ? VACUUM_DEFAULTS.olderThanMs : parseDuration(p.olderThan, '--older-than'),
    bronze: p.bronze === true,
    dryRun: p.dryRun === true,
  };
}

/** The line a vacuum logs before its first deletion: what a vacuum killed half-way had begun (flows/interrupted.ts). */
export function planLine(plan: VacuumPlan): string {
  const d = plan.dropped;
  const records = d.length ? `the records of version${d.length > 1 ? `s ${d[0]}–${d.at(-1)}` : ` ${d[0]}`}, then ` : '';
  const objects = plan.deletions.length - d.length;
  return `${VACUUM_PLAN_LOG}${records}${objects} object${objects === 1 ? '' : 's'}`;
}

/**
 * The vacuum task: plans (and unless a dry run, carries out) the deletions, holding the lake's lock.
 * `onPlan` is told the plan's line before the first deletion (the run records it).
 */
export async function runVacuum(ctx: RunContext, parameters: NonNullable<RunParameters['vacuum']>, onPlan?: (line: string) => Promise<void>): Promise<StageResult> {
  const options = vacuumOptions(parameters);
  return timed(async () => {
    ctx.progress.begin('vacuum', options.dryRun ? 'planning (dry run)' : 'planning');
    const plan = await vacuumLake(ctx.lake, options, {
      self: ctx.runId,
      ...(onPlan ? { onPlan: (p: VacuumPlan) => onPlan(planLine(p)) } : {}),
      onDelete: (_d, done, total) => {
        if (done % 100 === 0 || done === total) ctx.progress.update({ percent: (100 * done) / total });
      },
    });
    const scratch = await findDeadScratch(ctx.config.scratchDir, ctx.lake, ctx.runId, { sizes: true });
    if (!options.dryRun) await removeScratch(ctx.config.scratchDir, scratch);
    ctx.progress.end();
    const byReason: Record<string, { objects: number; bytes: number }> = {};
    for (const d of plan.deletions) {
      const r = (byReason[d.reason] ??= { objects: 0, bytes: 0 });
      r.objects++;
      r.bytes += d.size;
    }
    const details: VacuumDetails = {
      dryRun: options.dryRun,
      cutoff: plan.cutoff,
      keepVersions: options.keepVersions,
      bronze: options.bronze,
      versionsKept: plan.kept,
      versionsDropped: plan.dropped,
      deleted: plan.deletions.length,
      byReason,
      objectsKept: plan.keptObjects,
      bytesKept: plan.keptBytes,
      deletions: plan.deletions.slice(0, LISTED),
      ...(plan.deletions.length > LISTED ? { notListed: plan.deletions.length - LISTED } : {}),
      scratch,
    };
    return {
      stage: 'vacuum' as const,
      rowsIn: 0,
      rowsOut: 0,
      quarantined: 0,
      bytes: plan.bytes + scratch.reduce((n, d) => n + d.bytes, 0),
      details: { ...details },
    };
  });
}
