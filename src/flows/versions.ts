import os from 'node:os';
import type { Config } from '../config.js';
import { describeSystemError, errorMessage, UserError } from '../errors.js';
import { commitVersion, currentVersion, openObjectStore, readJson, readStaged, requireVersion, UnknownVersionError, writeJson, type LakeVersion, type ObjectStore } from '../lake/index.js';
import { keepFolderFiles } from '../pipeline/commit.js';
import { RunContext } from '../pipeline/context.js';
import type { Manifest } from '../pipeline/bronze.js';
import { publishProblems, type PublishProblem } from '../pipeline/kpi-table.js';
import { runPublish } from '../pipeline/publish.js';
import { readManifest } from '../pipeline/states.js';
import { alertRunEnd } from '../ops/run-alerts.js';
import { openServingStore, type ServingStore } from '../serving/index.js';
import { LakeLock } from './lock.js';
import { errorInfo, newRunRecord, readRun, RunRecorder, type RunRecord } from './record.js';
import { DATALAKE } from '../command-name.js';

type VersionFlow = 'rollback' | 'approve';

/**
 * Arguments the lake refuses before anything changes (a version that does not exist or is current
 * already, a run with nothing staged): said to the user, neither recorded as a failed run nor alerted.
 */
const refusals = new WeakSet<object>();
function refusal<E extends object>(err: E): E {
  refusals.add(err);
  return err;
}

/**
 * A commit of content the lake already holds, then a publish of it, recorded like any run: a rollback
 * (the content of an earlier version, as a new version: history is never rewritten) or an approval
 * (the staged version of a run whose audit failed).
 */
async function commitThenPublish(
  config: Config,
  flow: VersionFlow,
  build: (current: LakeVersion | undefined, runId: string) => Promise<LakeVersion>,
  /** The refusal of a version whose KPIs cannot be published as declared now (`problems`, one per KPI). */
  unpublishable: (problems: PublishProblem[]) => UserError,
  options: { lake?: ObjectStore; serving?: ServingStore } = {},
): Promise<{ record: RunRecord; version?: LakeVersion; error?: unknown }> {
  const lake = options.lake ?? openObjectStore(config);
  const ctx = new RunContext(config, lake);
  const recorder = new RunRecorder(lake, newRunRecord({ runId: ctx.runId, flow, state: 'running', lake: lake.description, owner: LakeLock.owner(), tasks: ['commit', 'publish'], options: { trigger: 'cli' } }));
  const record = recorder.record;
  const serving = options.serving ?? openServingStore(config);
  let lock: LakeLock | undefined;
  let version: LakeVersion | undefined;
  let error: unknown;
  let task: 'commit' | 'publish' = 'commit';
  try {
    lock = await LakeLock.acquire(lake, { runId: ctx.runId, flow }, { waitMs: 0 });
    const commit = recorder.openAttempt(recorder.task('commit'));
    const built = await build(await currentVersion(lake), ctx.runId);
    // Checked before the commit: a version the store cannot follow would leave the two apart.
    const problems = await publishProblems(ctx, built, flow === 'rollback' ? `version ${built.restores}` : 'the version it staged');
    if (problems.length) throw refusal(unpublishable(problems));
    await commitVersion(lake, built);
    version = built;
    recorder.closeAttempt(commit, { state: 'completed' });
    recorder.task('commit').state = 'completed';
    recorder.log('info', `committed version ${version.version}${version.restores ? ` (the content of version ${version.restores})` : ''}`, 'commit');
    task = 'publish';
    const publish = recorder.openAttempt(recorder.task('publish'));
    const result = await runPublish(ctx, serving);
    record.stages.push(result);
    recorder.closeAttempt(publish, { state: 'completed', rows: result.rowsOut });
    recorder.task('publish').state = 'completed';
    record.state = 'completed';
  } catch (err) {
    error = describeSystemError(err);
    record.state = 'failed';
    record.error = { ...errorInfo(error), task };
    recorder.task(task).state = 'failed';
    for (const a of recorder.task(task).attempts) if (a.state === 'running') recorder.closeAttempt(a, { state: 'failed', error: errorMessage(error) });
  } finally {
    await ctx.close().catch(() => undefined);
    if (!options.serving) await serving.close().catch(() => undefined);
  }
  record.endedAt = new Date().toISOString();
  record.seconds = (Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000;
  if (lock && error !== undefined && refusals.has(error as object)) await lock.release();
  else if (lock) {
    await recorder.save();
    await lock.release();
    alertRunEnd(config, lake, recorder);
  }
  return { record, ...(version ? { version } : {}), ...(error ? { error } : {}) };
}

const unpublishable = (problems: PublishProblem[]) =>
  `${problems.map((p) => p.text).join('; ')}. Its KPIs cannot be published as the project declares them now, which would leave the serving store behind the lake: nothing was committed`;

/** How to roll back to a version whose KPIs differ from today's, and then serve today's KPIs from its data. */
function rollbackHint(target: number, problems: PublishProblem[]): string {
  const files = (absent: boolean) => problems.filter((p) => p.absent === absent).map((p) => `kpis/${p.kpi}.yml`);
  const [added, changed] = [files(true), files(false)];
  const steps = [
    ...(added.length ? [`move ${added.join(', ')} out of the project`] : []),
    ...(changed.length ? [`put ${changed.join(', ')} back as ${changed.length > 1 ? 'they were' : 'it was'} when version ${target} was built`] : []),
  ];
  return `to roll back anyway, first ${steps.join(' and ')}; after the rollback, restore ${added.length + changed.length > 1 ? 'them' : 'it'} and run \`${DATALAKE} gold\` then \`${DATALAKE} publish\`, which build the KPIs as declared now from the restored data`;
}

/** Makes an earlier version's content current again, as a new version, and publishes it. */
export function rollback(config: Config, target: number, options: { lake?: ObjectStore; serving?: ServingStore } = {}) {
  const lake = options.lake ?? openObjectStore(config);
  return commitThenPublish(
    config,
    'rollback',
    async (current, runId) => {
      // No such version is a refusal; a lake that cannot be read is a failed run, alerted.
      const old = await requireVersion(lake, target).catch((err: unknown) => {
        throw err instanceof UnknownVersionError ? refusal(err) : err;
      });
      if (current?.version === target) throw refusal(new UserError(`version ${target} is already the current version`, 'nothing to roll back'));
      return { ...old, version: (current?.version ?? 0) + 1, runId, committedAt: new Date().toISOString(), parent: current?.version ?? null, restores: old.restores ?? old.version };
    },
    (problems) => new UserError(`cannot roll back: ${unpublishable(problems)}`, rollbackHint(target, problems)),
    { ...options, lake },
  );
}

/**
 * The source files the lake had received when a rollback replaced its version, and that the next run
 * ingests again if they are still in the sources folder or bucket: under a name the version rolled back
 * to had not received, with content it had under no name; or under a name it had, with other content
 * (a later version of the file). Only the latest of a name can still be there.
 */
export async function filesRolledBackFrom(config: Config, rolledBack: LakeVersion, lake: ObjectStore = openObjectStore(config)): Promise<string[]> {
  if (rolledBack.parent === null || rolledBack.restores === undefined) return [];
  const before = await readManifest(lake, config.project, await requireVersion(lake, rolledBack.parent));
  const restored = await readManifest(lake, config.project, rolledBack);
  const latest = (files: Manifest['files']) => new Map(files.map((f) => [f.name, f])); // in arrival order: the last of a name wins
  const known = latest(restored.files);
  const contents = new Set(restored.files.map((f) => `${f.dataset}\n${f.sha256}`));
  return [...latest(before.files).values()].filter((f) => (known.has(f.name) ? known.get(f.name)!.sha256 !== f.sha256 : !contents.has(`${f.dataset}\n${f.sha256}`))).map((f) => f.name);
}

/** Commits the staged version of a run whose audit failed (recorded: who and when), and publishes it. */
export async function approve(config: Config, runId: string, options: { lake?: ObjectStore; serving?: ServingStore; by?: string } = {}) {
  const lake = options.lake ?? openObjectStore(config);
  const by = options.by ?? `${os.userInfo().username}@${os.hostname()}`;
  const result = await commitThenPublish(
    config,
    'approve',
    async (current) => {
      const staged = await readStaged(lake, runId);
      if (!staged && (!/^[\w.-]+$/.test(runId) || !(await readRun(lake, runId)))) throw refusal(new UserError(`there is no run ${runId}`, `\`${DATALAKE} runs\` lists the runs; approve one whose audit failed`));
      if (!staged) throw refusal(new UserError(`run ${runId} has no staged version`, `only a run whose audit failed can be approved: \`${DATALAKE} runs\` shows them as audit_failed`));
      if ((current?.version ?? null) !== staged.parent) {
        throw refusal(new UserError(
          `run ${runId} was built on version ${staged.parent ?? 'none'}, but the lake is at version ${current?.version ?? 'none'} now`,
          'its tables would undo what was committed since: run the pipeline again instead',
        ));
      }
      const at = new Date().toISOString();
      const { failed, ...version } = staged;
      // Its folder files go into the sources bucket now that it commits, as a passing run's do (commit.ts).
      const manifest = version.states.bronze ? await readJson<Manifest>(lake, version.states.bronze) : undefined;
      if (manifest && (await keepFolderFiles(lake, runId, manifest))) await writeJson(lake, version.states.bronze!, manifest);
      return { ...version, committedAt: at, audit: 'approved', approved: { by, at, failed } };
    },
    (problems) => new UserError(`cannot approve run ${runId}: ${unpublishable(problems)}`, `the KPI definitions changed since that run: run the pipeline again instead (\`${DATALAKE} run\`)`),
    { ...options, lake },
  );
  // The audited run's record says it was committed after all, by whom and as which version.
  const committed = result.version?.approved;
  const run = committed && result.record.tasks.find((t) => t.name === 'commit')?.state === 'completed' ? await readRun(lake, runId) : undefined;
  if (run && committed) await new RunRecorder(lake, { ...run, approved: { by: committed.by, at: committed.at, version: result.version!.version } }).save();
  return result;
}
