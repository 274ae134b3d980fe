import { AuditError } from '../errors.js';
import { failpoint } from '../failpoints.js';
import { commitVersion, stateKey, writeJson, writeStaged, type LakeObject, type LakeVersion, type ObjectStore, type TableVersion } from '../lake/index.js';
import { BRONZE_MANIFEST, GOLD_STATE, SILVER_STATE } from '../lake/index.js';
import { auditGold, checkId } from './audit.js';
import type { Manifest } from './bronze.js';
import { timed, type RunContext, type StageResult } from './context.js';
import type { GoldState } from './gold/state.js';
import { silverObjects, type SilverState } from './silver/state.js';
import type { LakeStates } from './states.js';

/**
 * Commit: the run's states are written under keys of the run, the version is audited, then one
 * exclusive write of its record makes it the lake's current version. Before that write nothing of the
 * run is visible; a failed audit commits nothing and stages the version for `publish --approve`.
 */
export async function runCommit(ctx: RunContext): Promise<StageResult> {
  return timed(async () => {
    const base = await ctx.draft.base();
    const changed = ctx.draft.changed();
    const at = base.version?.version ?? 0;
    if (changed.length === 0) {
      return { stage: 'commit' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `nothing changed: the lake stays at version ${at}`, version: at } };
    }
    const states: LakeVersion['states'] = { ...(base.version?.states ?? legacyStates(base)) };
    const manifest = await ctx.draft.manifest();
    const silver = await ctx.draft.silver();
    const gold = await ctx.draft.gold();
    const docs = { bronze: manifest, silver, gold };
    for (const name of changed) states[name] = stateKey(name, ctx.runId);
    const writeStates = async () => {
      failpoint('commit:before-states');
      for (const name of changed) await writeJson(ctx.lake, states[name]!, docs[name]);
    };
    const record: LakeVersion = {
      format: 1,
      version: at + 1,
      runId: ctx.runId,
      committedAt: '',
      parent: base.version?.version ?? null,
      audit: 'passed',
      states,
      tables: versionTables(manifest, silver, gold),
    };
    // Checks the version built on passed (not approved over a failure) hold for the objects it kept.
    const trusted = new Set(base.version?.audit === 'passed' ? (base.version.checks ?? []) : []);
    const checks = changed.includes('gold') && gold ? await auditGold(ctx, gold, base.gold, trusted) : [];
    const failed = checks.filter((c) => !c.passed);
    if (failed.length) {
      await writeStates();
      await writeStaged(ctx.lake, { ...record, committedAt: new Date().toISOString(), failed });
      throw new AuditError(ctx.runId, failed);
    }
    if (manifest) await keepFolderFiles(ctx.lake, ctx.runId, manifest);
    await writeStates();
    record.committedAt = new Date().toISOString();
    // What the next version may trust for the objects it keeps. Gold unchanged: the same checks still hold.
    const passed = changed.includes('gold') ? checks.map((c) => checkId(c.table, c.check)) : (base.version?.checks ?? []);
    if (passed.length) record.checks = passed;
    failpoint('commit:before-version');
    ctx.progress.begin('commit', `version ${record.version}`);
    await commitVersion(ctx.lake, record);
    ctx.progress.end();
    failpoint('commit:after-version');
    return {
      stage: 'commit' as const,
      rowsIn: 0,
      rowsOut: 0,
      quarantined: 0,
      bytes: 0,
      details: { version: record.version, changed, tables: Object.fromEntries(Object.entries(record.tables).map(([t, v]) => [t, v.rows])), audit: checks },
    };
  });
}

/**
 * The folder files this run ingested, copied into the lake's `sources` bucket (bronze reads it too) once
 * the version is about to commit: a failed run leaves the bucket as it was, so that a file removed from
 * the folder after a failure is not read from there. Their times there go into the manifest: a later run
 * finding only that copy (the folder's removed) knows it unread. A version whose audit failed does so when
 * approved (flows/versions.ts). Whether any was copied.
 */
export async function keepFolderFiles(lake: ObjectStore, runId: string, manifest: Manifest): Promise<boolean> {
  let kept = false;
  for (const f of manifest.files) {
    if (f.runId !== runId || f.origin !== 'folder' || f.sourceModified) continue;
    await lake.copy({ bucket: 'bronze', key: f.key }, { bucket: 'sources', key: f.name });
    const copy = await lake.head('sources', f.name);
    if (copy) f.sourceModified = copy.modified.toISOString();
    kept = true;
  }
  return kept;
}

/** The states of a lake from before versions, where they exist. */
function legacyStates(base: LakeStates): LakeVersion['states'] {
  const states: Record<string, LakeObject> = {};
  if (base.manifest.files.length) states['bronze'] = BRONZE_MANIFEST;
  if (base.silver) states['silver'] = SILVER_STATE;
  if (base.gold) states['gold'] = GOLD_STATE;
  return states;
}

/** Every table of a version with its objects and rows: bronze per dataset, silver and its quarantine per dataset, gold per table. */
export function versionTables(manifest: Manifest, silver: SilverState | undefined, gold: GoldState | undefined): Record<string, TableVersion> {
  const tables: Record<string, TableVersion> = {};
  for (const f of manifest.files) {
    const t = (tables[`bronze/${f.dataset}`] ??= { bucket: 'bronze', objects: [], rows: 0 });
    t.objects.push(f.key);
    t.rows += f.rows;
  }
  for (const [dataset, d] of Object.entries(silver?.datasets ?? {})) {
    tables[`silver/${dataset}`] = { bucket: 'silver', objects: silverObjects(silver, dataset), rows: d.rows };
    const quarantined = Object.values(silver?.quarantine ?? {}).filter((q) => q.dataset === dataset);
    const objects = [...quarantined.map((q) => q.key), ...(d.orphansObject ? [d.orphansObject] : [])];
    if (objects.length) tables[`silver/quarantine/${dataset}`] = { bucket: 'silver', objects, rows: quarantined.reduce((n, q) => n + q.rows, 0) + d.orphans };
  }
  for (const [table, objects] of Object.entries(gold?.objects ?? {})) tables[`gold/${table}`] = { bucket: 'gold', objects, rows: gold!.tables[table] ?? 0 };
  return tables;
}
