import { UserError } from '../../errors.js';
import type { BronzeFile } from '../bronze.js';
import type { DatasetSpec } from '../../project/types.js';
import { timed, type RunContext, type StageResult } from '../context.js';
import { failpoint } from '../../failpoints.js';
import { inlineRunner, runShards, type ShardRunner } from '../shards.js';
import { cleanShard, datasetNamed, type CleanShardOutput } from './clean-shard.js';
import { loadShard, mayLoadInOnePass } from './one-pass.js';
import { CoverageRebuild } from '../covering.js';
import { CascadeRevision, combineSilver, type OnePassLoads, type SilverChanges } from './combine.js';
import { commitSilver } from './commit.js';
import { planSilver, type SilverPlan } from './plan.js';
import { vacuumedBronze } from './restore-bronze.js';
import { mergeChecks, type SilverDatasetStats } from './stats.js';
import type { SilverState } from './state.js';
import { DATALAKE } from '../../command-name.js';

export { cleanShard, type CleanShardInput, type CleanShardOutput } from './clean-shard.js';
export { definitionDigest, silverObjects, type SilverState } from './state.js';
export type { SilverDatasetStats } from './stats.js';
export { datasetSelect } from './read.js';

export interface SilverOptions {
  /** Ignore what silver holds and rebuild it from every bronze file (the latest version of each name). */
  fullRefresh?: boolean;
  /** Where the per-file cleaning runs: in this process (default) or on the workers. */
  shards?: ShardRunner;
  /** A first load of one clean file in one pass (default: on, in process); off, every file takes the usual cleaning. */
  onePass?: boolean;
}

/**
 * Silver: the bronze files not merged yet are cleaned one by one (rejected rows to a quarantine file per
 * bronze file), then merged into each dataset, in arrival order. Plan (which files, rebuild or not) →
 * shards (one cleaning per file, on the workers in distributed mode) → combine (the merge, in scratch)
 * → commit (objects, then the state file). A fatal rule fails the run before the commit, so silver is
 * left as it was. When a dataset's definition changed since silver was built, silver is rebuilt.
 */
export async function runSilver(ctx: RunContext, options: SilverOptions = {}): Promise<StageResult> {
  return timed(async () => {
    const manifest = await ctx.draft.manifest();
    const silverBefore = await ctx.draft.silver();
    const revisions: { cascade: Map<string, string>; covering: Map<string, string>; keep: Set<string> } = { cascade: new Map(), covering: new Map(), keep: new Set() };
    let plan = planSilver(ctx.config.project, manifest, silverBefore, options.fullRefresh === true, revisions);
    // A dataset rebuilt from its latest files needs them all: one `vacuum --bronze` deleted keeps its rows as they are.
    if (plan.revised.length) {
      const revisedFiles = plan.toMerge.filter((f) => plan.revised.some((r) => r.dataset === f.dataset));
      const vacuumed = new Set(await vacuumedBronze(ctx, revisedFiles));
      for (const f of revisedFiles) if (vacuumed.has(f.key)) revisions.keep.add(f.dataset);
      if (revisions.keep.size) plan = planSilver(ctx.config.project, manifest, silverBefore, options.fullRefresh === true, revisions);
    }
    // A rebuild reads every bronze file again: those `datalake vacuum --bronze` deleted are not there.
    const gone = plan.rebuild ? await vacuumedBronze(ctx, plan.toMerge) : [];
    if (gone.length && !options.fullRefresh) {
      // A rebuild nobody asked for (a definition changed) must not lose the rows only silver still has.
      throw new UserError(
        `silver must be rebuilt from bronze (the definition of ${plan.redefined.join(', ')} changed), but ${gone.length} bronze file${gone.length > 1 ? 's were' : ' was'} deleted by \`datalake vacuum --bronze\` and no source holds them any more (${gone.slice(0, 3).join(', ')}${gone.length > 3 ? ', …' : ''}): their rows would be lost`,
        `put the definition back, or the files in the sources folder (the run puts them back in bronze), or rebuild from the files left on purpose with \`${DATALAKE} run --full-refresh\``,
      );
    }
    if (gone.length) {
      const left = plan.toMerge.filter((f) => !gone.includes(f.key));
      // A dataset none of whose files is left would come out of the rebuild empty, and gold with it.
      const emptied = [...new Set(plan.toMerge.map((f) => f.dataset))].filter((d) => !left.some((f) => f.dataset === d));
      if (emptied.length) {
        const deleted = plan.toMerge.filter((f) => emptied.includes(f.dataset)).length;
        throw new UserError(
          `--full-refresh cannot rebuild ${emptied.join(', ')}: every bronze file of ${emptied.length > 1 ? 'them' : 'it'} was deleted by \`datalake vacuum --bronze\` (${deleted} file${deleted > 1 ? 's' : ''}), so silver would be empty`,
          'run without --full-refresh (the current version keeps its silver and gold); a full rebuild needs bronze files, and bronze keeps only new content (the same files again are skipped)',
        );
      }
      plan = { ...plan, toMerge: left };
    }
    if (plan.candidates.length === 0) {
      const waiting = stillWaiting(plan.state.waiting, new Set());
      return { stage: 'silver' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: plan.state.runId ? `no new bronze file since run ${plan.state.runId}` : 'no bronze file yet', ...(waiting.length ? { stillWaiting: waiting } : {}) } };
    }
    let changes: Awaited<ReturnType<typeof combineSilver>> | undefined;
    let bytes: number;
    const warnings: string[] = [];
    for (const d of revisions.keep) {
      const replacing = datasetNamed(ctx.config.project, d).key.length
        ? "the new version's rows replace others by key, and rows it no longer holds stay"
        : "the new version's rows replace its earlier version's, and rows of other files left out as repeating those are not brought back";
      warnings.push(`${d} received a new version of a file it merged, but \`datalake vacuum --bronze\` deleted some of its bronze files: it is not rebuilt from them, ${replacing}`);
    }
    if (gone.length) {
      warnings.push(
        `silver was rebuilt from the ${plan.toMerge.length} bronze files left: ${gone.length} were deleted by \`datalake vacuum --bronze\` and their rows are not in it (${gone.slice(0, 3).join(', ')}${gone.length > 3 ? ', …' : ''})`,
      );
    }
    // A dataset whose rows a new file's covering must be judged on all (CoverageRebuild): rebuilt, planned again, unless bronze files were vacuumed.
    const coverageKept = new Map<string, string>();
    const rebuildFor = async (err: CoverageRebuild) => {
      revisions.covering.set(err.dataset, err.reason);
      plan = planSilver(ctx.config.project, manifest, silverBefore, options.fullRefresh === true, revisions);
      if ((await vacuumedBronze(ctx, plan.toMerge.filter((f) => f.dataset === err.dataset))).length === 0) return;
      revisions.covering.delete(err.dataset);
      revisions.keep.add(err.dataset);
      coverageKept.set(err.dataset, err.reason);
      plan = planSilver(ctx.config.project, manifest, silverBefore, options.fullRefresh === true, revisions);
    };
    try {
      // A rebuilt dataset that lost values another uses: that one is rebuilt too (CascadeRevision), planned again.
      let cleaned: Awaited<ReturnType<typeof cleanFiles>>;
      for (;;) {
        cleaned = await cleanFiles(ctx, plan, options);
        try {
          failpoint('silver:combine');
          changes = await combineSilver(ctx, plan, cleaned.outputs, cleaned.onePass);
          break;
        } catch (err) {
          if (!(err instanceof CascadeRevision) && !(err instanceof CoverageRebuild)) throw err;
          for (const c of cleaned.outputs) await c.dispose?.();
          if (err instanceof CoverageRebuild) await rebuildFor(err);
          else {
            for (const [d, because] of err.datasets) revisions.cascade.set(d, because);
            plan = planSilver(ctx.config.project, manifest, silverBefore, options.fullRefresh === true, revisions);
          }
        }
      }
      for (const [d, reason] of coverageKept) {
        warnings.push(`${d} is not rebuilt from its latest files though ${reason}: \`datalake vacuum --bronze\` deleted some of its bronze files; covering is judged on the rows silver holds, and rows left out as repeating a withdrawn file's are not brought back`);
      }
      for (const c of cleaned.outputs.filter((o) => o.oneThread)) {
        warnings.push(`${c.key} was cleaned on one thread (slower, same rows): DuckDB planned its cleaning without the writer that keeps row order in parallel; please report it with the dataset's definition`);
      }
      bytes = await commitSilver(ctx, plan, changes);
    } catch (err) {
      // The files cleaned so far are kept for the next attempt (a retry, or a resume of this run).
      await ctx.ledger?.keepHeld();
      throw err;
    }

    const sum = (f: (s: SilverDatasetStats) => number) => Object.values(changes.stats).reduce((acc, s) => acc + f(s), 0);
    const waiting = stillWaiting(changes.next.waiting, new Set(plan.toMerge.map((f) => f.key)));
    return {
      stage: 'silver' as const,
      rowsIn: changes.rowsIn,
      rowsOut: sum((s) => s.rowsOut),
      quarantined: sum((s) => s.quarantined),
      bytes,
      details: {
        files: plan.toMerge.map((f) => f.key),
        superseded: plan.superseded.map((f) => f.key),
        ...(plan.unmatched.length ? { unmatched: plan.unmatched } : {}),
        ...(warnings.length ? { warnings } : {}),
        ...(plan.redefined.length ? { rebuilt: `the definitions of ${plan.redefined.join(', ')} changed: silver was rebuilt from bronze` } : options.fullRefresh && plan.rebuild ? { rebuilt: 'a full refresh: silver was rebuilt from bronze' } : {}),
        ...(plan.revised.some((r) => !changes.kept.includes(r.dataset)) ? { revised: plan.revised.filter((r) => !changes.kept.includes(r.dataset)).map((r) => revisedLine(r, plan, changes)) } : {}),
        datasets: changes.stats,
        ...(waiting.length ? { stillWaiting: waiting } : {}),
        quality: mergeChecks(changes.quality),
      },
    };
  });
}

/**
 * Files set aside by an earlier run that still wait (not those this run read, which its datasets
 * report): said by every run, so that their rows stay accounted for until the file is fixed.
 */
function stillWaiting(waiting: SilverState['waiting'], thisRun: Set<string>): { file: string; dataset: string; reason: string }[] {
  return Object.entries(waiting ?? {}).flatMap(([file, w]) => (thisRun.has(file) ? [] : [{ file, dataset: w.dataset, reason: w.reason }]));
}

/** The plan's files cleaned (on the workers in distributed mode), those loaded in one pass left for combine, at their dataset's turn. */
async function cleanFiles(ctx: RunContext, plan: SilverPlan, options: SilverOptions): Promise<{ outputs: CleanShardOutput[]; onePass: OnePassLoads }> {
  const { toMerge } = plan;
  const runner = options.shards ?? inlineRunner(ctx);
  const shards = toMerge.map((f, index) => ({
    label: `clean ${f.key}`,
    input: {
      dataset: f.dataset,
      key: f.key,
      name: f.name,
      rows: f.rows,
      ...(f.recordCount ? { recordCount: true } : {}),
      // Counted with other lines before the header than the definition skips now: counted again.
      ...(countedOtherwise(f, datasetNamed(ctx.config.project, f.dataset)) ? { recount: true as const } : {}),
      ...(f.longestRecord ? { longestRecord: f.longestRecord } : {}),
      ...(f.encoding ? { encoding: f.encoding } : {}),
      ...(f.mixedLineEnds ? { mixedLineEnds: true as const } : {}),
      // Counted with the delimiter the dataset declares now (a file of an older manifest is read for them).
      ...(f.endsWithDelimiter?.delimiter === datasetNamed(ctx.config.project, f.dataset).delimiter ? { endsWithDelimiter: f.endsWithDelimiter.records } : {}),
      ...(f.eofMark ? { eofMark: true as const } : {}),
      index,
      many: toMerge.filter((o) => o.dataset === f.dataset).length > 1,
    },
  }));
  // A dataset's first load from one file may be cleaned and written in one pass (one-pass.ts); it
  // checks references against the datasets merged before it, so it runs at its dataset's turn.
  const inOnePass = (s: (typeof shards)[number]) => {
    const spec = datasetNamed(ctx.config.project, s.input.dataset);
    return runner.inProcess === true && options.onePass !== false && mayLoadInOnePass(spec, plan.state.datasets[spec.name], s.input);
  };
  const outputs = await runShards(ctx, runner, 'silver.clean', shards.filter((s) => !inOnePass(s)), cleanShard);
  const load = async (key: string) => {
    const [output] = await runner.map('silver.clean', [shards.find((s) => s.input.key === key)!], loadShard);
    outputs.push(output!);
    return output!;
  };
  return { outputs, onePass: { keys: new Set(shards.filter(inOnePass).map((s) => s.input.key)), load } };
}

/** The summary's line for a dataset rebuilt from its latest files (plan.revised). */
function revisedLine(r: SilverPlan['revised'][number], plan: SilverPlan, changes: SilverChanges): string {
  const renewed = r.files.filter((f) => !r.late?.includes(f));
  const why = r.because
    ? `as ${r.because}, which it references, was rebuilt without some of the values its rows use (those rows wait in quarantine for them)`
    : r.covering
      ? `as ${r.covering}`
      : renewed.length
      ? `as a new version of ${renewed.join(', ')} came (rows it no longer holds are withdrawn)`
      : `as ${r.late!.join(', ')} came, whose first version waited, before files it merged since (its rows take their place before theirs)`;
  return `${r.dataset} was rebuilt from its latest files, ${why}: ${plan.previous?.datasets[r.dataset]?.rows ?? 0} → ${changes.stats[r.dataset]?.rows ?? 0} rows`;
}

/** Whether bronze counted a file's records with other lines before the header, another quote escape or with(out) a header, than its dataset reads now. */
function countedOtherwise(file: BronzeFile, spec: DatasetSpec): boolean {
  return (file.skipLines ?? 0) !== (spec.skipLines ?? 0) || file.escape !== spec.escape || file.quote !== spec.quote || file.headerless !== spec.headerless;
}
