import path from 'node:path';
import type { Config } from '../../config.js';
import { Engine } from '../../engine/duckdb.js';
import { UserError } from '../../errors.js';
import { approve, filesRolledBackFrom, rollback } from '../../flows/versions.js';
import { openObjectStore } from '../../lake/index.js';
import { diffVersions, lakeHistory } from '../../pipeline/history.js';
import { renderSummary } from '../summary.js';
import { DATALAKE } from '../../command-name.js';

/** `datalake history`: the versions, newest first. */
export async function historyCommand(config: Config, flags: { json?: boolean; limit?: number }): Promise<void> {
  const history = await lakeHistory(openObjectStore(config), flags.limit);
  if (flags.json) return console.log(JSON.stringify(history, null, 2));
  if (history.length === 0) return console.log(`no version yet: run the pipeline (\`${DATALAKE} run\`) to commit version 1`);
  for (const h of history) {
    const what = h.restores ? `rollback to version ${h.restores}` : h.changed.map((c) => `${c.table} ${c.before === null ? '' : `${c.before} → `}${c.rows}`).join(', ') || 'no table changed';
    console.log(`v${String(h.version).padEnd(5)} ${h.committedAt}  run ${h.runId}  audit ${h.audit.padEnd(8)} ${what}`);
  }
  const oldest = history.at(-1)!.version;
  if ((flags.limit === undefined || history.length < flags.limit) && oldest > 1) console.log(`(version${oldest > 2 ? `s 1–${oldest - 1}` : ' 1'} deleted by \`datalake vacuum\`: no longer readable)`);
}

/** `datalake diff <v1> <v2>`: per table, rows added, removed and changed; per KPI, the values that changed. */
export async function diffCommand(config: Config, v1: number, v2: number, flags: { json?: boolean }): Promise<void> {
  const scratch = path.join(config.scratchDir, `diff-${process.pid}`);
  const engine = await Engine.open(config.duckdb, path.join(scratch, 'spill'));
  try {
    const diff = await diffVersions(openObjectStore(config), config.project, engine, scratch, v1, v2);
    if (flags.json) return console.log(JSON.stringify(diff, null, 2));
    if (diff.tables.length === 0) return console.log(`versions ${v1} and ${v2} hold the same tables`);
    for (const t of diff.tables) {
      const columns = [t.columnsAdded?.length ? `column${t.columnsAdded.length > 1 ? 's' : ''} added: ${t.columnsAdded.join(', ')}` : '', t.columnsRemoved?.length ? `column${t.columnsRemoved.length > 1 ? 's' : ''} removed: ${t.columnsRemoved.join(', ')}` : ''].filter(Boolean);
      console.log(`${t.table}: +${t.added} added, -${t.removed} removed${t.key ? `, ~${t.changed} changed (by ${t.key.join(', ')})` : ''}${columns.length ? `; ${columns.join('; ')} (rows compared on the other columns)` : ''}`);
    }
    for (const k of diff.kpis) {
      console.log(`\nKPI ${k.kpi}:`);
      for (const r of k.before) console.log(`  - ${JSON.stringify(r)}`);
      for (const r of k.after) console.log(`  + ${JSON.stringify(r)}`);
    }
  } finally {
    engine.close();
    const { rm } = await import('node:fs/promises');
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `datalake rollback <version>`. */
export async function rollbackCommand(config: Config, version: number, flags: { json?: boolean }): Promise<void> {
  const { record, version: committed, error } = await rollback(config, version);
  if (flags.json) console.log(JSON.stringify(record, null, 2));
  else if (committed) {
    console.log(`version ${committed.version} committed: the content of version ${version}; ${record.state === 'completed' ? 'published' : 'not published'}`);
    // Said only when there are such files: a rollback past versions that received none ingests nothing
    // again. (The rollback is done: a lake that cannot say which files leaves the note general.)
    const lake = openObjectStore(config);
    const again = await filesRolledBackFrom(config, committed, lake).catch(() => undefined);
    const where = `if still in ${config.sourcesDir} or in the lake's sources bucket (${lake.description}, bucket sources: bronze reads both)`;
    if (again === undefined) console.log(`note: the next run ingests again the source files that later versions received, ${where}: remove them from both first if they are what you rolled back from`);
    else if (again.length) {
      const one = again.length === 1;
      const names = again.length > 10 ? `${again.slice(0, 10).join(', ')} and ${again.length - 10} more` : again.join(', ');
      console.log(`note: the next run ingests again ${names} (received after version ${version}) ${where}: remove ${one ? 'it' : 'them'} from both first if ${one ? 'it is' : 'they are'} what you rolled back from`);
    }
  }
  if (error) throw error;
}

/** `datalake publish --approve <run>`. */
export async function approveCommand(config: Config, runId: string, flags: { json?: boolean }): Promise<void> {
  if (!/^[0-9A-Za-z.-]{1,64}$/.test(runId)) throw new UserError(`no run ${runId}`, `the audit_failed runs are listed by \`${DATALAKE} runs\``);
  const { record, version, error } = await approve(config, runId);
  if (flags.json) console.log(JSON.stringify(record, null, 2));
  else if (version) console.log(`version ${version.version} committed from run ${runId}, approved by ${version.approved!.by}\n${renderSummary(record, config.project)}`);
  if (error) throw error;
}
