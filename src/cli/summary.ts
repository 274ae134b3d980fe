import Table from 'cli-table3';
import { SOURCE_EXTENSIONS_SAID } from '../lake/keys.js';
import type { RecordOutcome, RunRecord as RunSummary } from '../flows/record.js';
import type { VacuumDetails } from '../maintenance/task.js';
import type { QualityCheck } from '../pipeline/cleaning.js';
import { flaggedFiguresHint, thousandsCommasHint, thousandsSpacesHint } from '../pipeline/option-hints.js';
import type { SilverDatasetStats } from '../pipeline/silver/index.js';
import type { Project } from '../project/types.js';
import { humanBytes, humanCount, rate } from './format.js';
import { DATALAKE } from '../command-name.js';

/** Which file's rows won, the files of a run applying in order (source-order.ts): said with the rows they superseded. */
function mergeOrder(keys: string[]): string {
  const names = keys.map((k) => k.slice(k.lastIndexOf('/') + 1));
  if (names.length === 2) return `${names[1]}'s rows kept, merged after ${names[0]}`;
  const shown = names.length > 4 ? [...names.slice(0, 2), '...', ...names.slice(-1)] : names;
  return `merged in this order: ${shown.join(', ')}; of a key, the row of the last file holding it kept`;
}

/** The end-of-run table: per stage rows in, rows out, rows quarantined, bytes, seconds. */
export function renderSummary(summary: RunSummary, project?: Project, saved?: RecordOutcome): string {
  const table = new Table({
    head: ['stage', 'rows in', 'rows out', 'quarantined', 'bytes', 'seconds', 'rows/s'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const s of summary.stages) {
    table.push([s.stage, humanCount(s.rowsIn), humanCount(s.rowsOut), humanCount(s.quarantined), humanBytes(s.bytes), s.seconds.toFixed(2), rate(s.rowsIn, s.seconds)]);
  }
  const lines = [table.toString()];
  const bronze = summary.stages.find((s) => s.stage === 'bronze');
  const files = bronze?.details['files'] as Record<string, string> | undefined;
  const withOutcome = (outcome: string) => Object.entries(files ?? {}).filter(([, v]) => v === outcome).map(([k]) => k);
  const unchanged = withOutcome('unchanged');
  const twins = Object.entries(files ?? {}).filter(([, v]) => v.startsWith('unchanged: '));
  const received = [
    ...(unchanged.length ? [`bronze: already received with the same content, skipped: ${unchanged.join(', ')}`] : []),
    ...twins.map(([name, v]) => `bronze: ${name} skipped, ${v.slice('unchanged: '.length)} (already received)`),
  ];
  // Bronze skipped for files it already has: the lines naming them say it, in place of its generic one.
  const receivedSaid = typeof bronze?.details['skipped'] === 'string' && received.length > 0;
  for (const s of summary.stages) {
    if (typeof s.details['skipped'] !== 'string') continue;
    lines.push(...(s === bronze && receivedSaid ? received : [`${s.stage}: skipped, ${s.details['skipped']}`]));
  }
  for (const s of summary.stages) for (const w of Array.isArray(s.details['warnings']) ? (s.details['warnings'] as string[]) : []) lines.push(`${s.stage}: warning: ${w}`);
  const silver = summary.stages.find((s) => s.stage === 'silver');
  if (typeof silver?.details['rebuilt'] === 'string') lines.push(`silver: ${silver.details['rebuilt']}`);
  for (const line of (silver?.details['revised'] as string[] | undefined) ?? []) lines.push(`silver: ${line}`);
  const datasets = silver?.details['datasets'] as Record<string, SilverDatasetStats> | undefined;
  const revised = (silver?.details['revised'] as string[] | undefined) ?? [];
  for (const stats of Object.values(datasets ?? {})) {
    const files = stats.files.length;
    // A rebuild (a full refresh, a file's new version) reads files it merged before: not new ones.
    const rebuilt = typeof silver?.details['rebuilt'] === 'string' || revised.some((l) => l.startsWith(`${stats.dataset} `));
    lines.push(
      `${stats.dataset}: ${files} ${rebuilt ? '' : 'new '}file${files === 1 ? '' : 's'}${rebuilt ? ' read' : ''}, ${rows(stats.rowsOut)} merged (${stats.replaced} replacing earlier rows), ${rows(stats.rows)} in silver` +
        (stats.partitionsWritten.length > 1 || stats.partitionsWritten[0] ? `, ${stats.partitionsWritten.length} partition${stats.partitionsWritten.length > 1 ? 's' : ''} rewritten` : '') +
        (stats.partitionsAppended?.length ? `, ${stats.partitionsAppended.length} partition${stats.partitionsAppended.length > 1 ? 's' : ''} given a new file` : '') +
        (stats.superseded ? `, ${rows(stats.superseded)} superseded by a later file of this run (${stats.covers ? 'covering their file' : mergeOrder(stats.files)})` : '') +
        (stats.promoted ? `, ${rows(stats.promoted)} released from quarantine as their reference arrived` : '') +
        (stats.alreadyLoaded ? `, ${rows(stats.alreadyLoaded)} already loaded from another file: not added again` : ''),
    );
    for (const c of stats.covers ?? []) lines.push(`${stats.dataset}: ${c.file} covers ${c.covered} (its dates, ${c.shared} of its ${rows(c.rows)}): replaces its rows`);
    for (const w of stats.waitingFiles ?? []) lines.push(`${stats.dataset}: file waits in quarantine, not merged: ${w.reason}`);
    for (const [file, cols] of Object.entries(stats.missingColumns ?? {})) lines.push(`${stats.dataset}: ${file} has no column ${cols.join(', ')} (optional: read as missing, in the rows it replaces too)`);
    const parts = Object.entries(stats.reasons).map(([reason, n]) => `${reason} ${n}`);
    const dropped = [stats.exactDuplicates ? `${stats.exactDuplicates} exact duplicates` : '', stats.emptyRows ? `${stats.emptyRows} empty rows` : ''].filter(Boolean);
    if (parts.length || dropped.length) {
      // Rows set aside have objects there; a file waiting whole, or rows dropped as duplicates, have none.
      const rowsAside = stats.quarantined - (stats.reasons['file_quarantined'] ?? 0) > 0;
      lines.push(
        `${stats.dataset}: ${stats.quarantined} quarantined${parts.length ? ` (${parts.join(', ')})` : ''}${dropped.length ? `; dropped ${dropped.join(', ')}` : ''}${rowsAside ? ` → silver/quarantine/${stats.dataset}/` : ''}`,
      );
    }
    // A run that loads nothing of a file still succeeds: said apart from the counts, with what usually fixes it.
    for (const name of stats.unreadFiles ?? []) {
      lines.push(`${stats.dataset}: warning: no line of ${name} was read as a row (every one quarantined as malformed_line): its header is probably not at the line datasets/${stats.dataset}.yml reads; set skip_lines to the number of lines before it, or see \`${DATALAKE} check --sources\``);
    }
    if (stats.backslashQuotes) {
      const n = stats.backslashQuotes;
      lines.push(`${stats.dataset}: ${n} of the malformed line${n > 1 ? 's hold' : ' holds'} \\" (a quote escaped as MySQL writes it): set escape: backslash in datasets/${stats.dataset}.yml to read ${n > 1 ? 'them' : 'it'}`);
    }
    if (stats.literalQuotes) {
      const n = stats.literalQuotes;
      lines.push(`${stats.dataset}: ${n} of the malformed line${n > 1 ? 's hold' : ' holds'} a " (12" Single): if the file quotes nothing, as IMDb's do, set quote: none in datasets/${stats.dataset}.yml to read ${n > 1 ? 'them' : 'it'}`);
    }
    if (stats.thousandsCommas) lines.push(`${stats.dataset}: ${thousandsCommasHint(stats.thousandsCommas, stats.dataset)}`);
    if (stats.thousandsSpaces) lines.push(`${stats.dataset}: ${thousandsSpacesHint(stats.thousandsSpaces, stats.dataset)}`);
    if (stats.flaggedFigures) lines.push(`${stats.dataset}: ${flaggedFiguresHint(stats.flaggedFigures, stats.dataset)}`);
  }
  const quality = silver?.details['quality'] as QualityCheck[] | undefined;
  if (quality) {
    const failing = quality.filter((q) => q.failed > 0);
    if (failing.length) {
      const qt = new Table({ head: ['quality', 'rule', 'column', 'severity', 'checked', 'failed', 'example'], style: { head: [], border: [] } });
      for (const q of failing) qt.push([q.dataset, q.rule, q.column ?? '', q.severity, humanCount(q.checked), humanCount(q.failed), q.examples[0]?.detail ?? '']);
      lines.push(qt.toString());
    }
    lines.push(`quality: ${quality.length - failing.length} of ${quality.length} rules passed on every row`);
  }
  if (!receivedSaid) lines.push(...received);
  const setAside = bronze?.details['quarantined'] as Record<string, string> | undefined;
  for (const reason of Object.values(setAside ?? {})) lines.push(`bronze: waits in quarantine, not ingested: ${reason}`);
  const ignoredColumns = bronze?.details['ignoredColumns'] as Record<string, string[]> | undefined;
  // A file lacking a column and holding one its definition lacks: most likely the column renamed.
  const lacking = new Map(Object.values(datasets ?? {}).flatMap((s) => Object.entries(s.missingColumns ?? {}).map(([key, cols]) => [key.split('/').at(-1)!, { dataset: s.dataset, cols }] as const)));
  for (const [name, cols] of Object.entries(ignoredColumns ?? {})) {
    lines.push(`bronze: ${name}: columns not in its definition, ignored: ${cols.join(', ')}`);
    const missing = lacking.get(name);
    if (missing) lines.push(`${missing.dataset}: if ${name} renamed ${missing.cols.join(', ')}, give the column its new header too, e.g. ${missing.cols[0]}: { ..., also: [${JSON.stringify(cols[0])}] } in datasets/${missing.dataset}.yml, and the next run reads the dataset again`);
  }
  const silverStage = summary.stages.find((s) => s.stage === 'silver');
  for (const w of (silverStage?.details['stillWaiting'] ?? []) as { file: string; dataset: string; reason: string }[]) lines.push(`${w.dataset}: still waits in quarantine since an earlier run, not merged: ${w.reason} (fix the file and send it again, or change datasets/${w.dataset}.yml)`);
  const notRead = bronze?.details['notRead'] as string[] | undefined;
  if (notRead?.length) lines.push(`bronze: not read, bronze reads ${SOURCE_EXTENSIONS_SAID} files (decompress or export them so): ${notRead.join(', ')}`);
  const mixed = bronze?.details['mixedLineEnds'] as string[] | undefined;
  if (mixed?.length) lines.push(`bronze: lines ending with CRLF and with LF (rows appended by another tool, or a header cell with a line break?), read as if all ended with LF: ${mixed.join(', ')}`);
  const versions = withOutcome('new version');
  if (versions.length) lines.push(`bronze: new content under a known name, kept as a new version: ${versions.join(', ')}`);
  const ignored = Object.entries(files ?? {}).filter(([, v]) => v.startsWith('ignored')).map(([k]) => k);
  if (ignored.length) {
    const globs = project ? ` (${project.datasets.flatMap((d) => d.files).join(', ')})` : '';
    lines.push(`bronze: ignored, the name matches no dataset${globs}: ${ignored.join(', ')}`);
  }
  lines.push(...maintenanceLines(summary));
  const commit = summary.stages.find((s) => s.stage === 'commit');
  if (commit && typeof commit.details['skipped'] !== 'string') lines.push(`commit: version ${String(commit.details['version'])} of the lake (\`${DATALAKE} history\`)`);
  for (const a of summary.audit ?? []) lines.push(`audit failed: ${a.table}: ${a.check}: ${a.detail}`);
  const resumed = summary.resumes?.filter((r) => r.startedAt).at(-1);
  if (resumed) lines.push(`resumed from task ${resumed.from ?? 'none'}${resumed.reused?.length ? `: ${resumed.reused.join(', ')} reused from the earlier attempt (their figures above are that attempt's)` : ''}`);
  lines.push(
    `run ${summary.runId} ${summary.state} in ${summary.seconds.toFixed(2)} s, peak memory ${humanBytes(summary.peakRssBytes)} (lake: ${summary.lake}; record: ${recordSaid(summary.runId, saved)})`,
  );
  return lines.join('\n');
}

/** Where the run's record is, or that it is not there: `runs <id>` and the API cannot show a record the lake refused. */
export function recordSaid(runId: string, saved: RecordOutcome | undefined): string {
  if (saved && !saved.written) return `not written (${saved.reason})`;
  return `runs/${runId}.json${saved?.stale ? ` as an earlier save left it, not updated at the end (${saved.stale}): it may still say running` : ''}`;
}

/** What a vacuum deleted (or would), each object with its size; what a compaction joined. */
function maintenanceLines(summary: RunSummary): string[] {
  const lines: string[] = [];
  const vacuum = summary.stages.find((s) => s.stage === 'vacuum')?.details as unknown as VacuumDetails | undefined;
  if (vacuum) {
    const verb = vacuum.dryRun ? 'would delete' : 'deleted';
    const width = Math.max(0, ...vacuum.deletions.map((d) => d.reason.length));
    for (const d of vacuum.deletions) lines.push(`  ${d.reason.padEnd(width)}  ${humanBytes(d.size).padStart(9)}  ${d.bucket}/${d.key}`);
    if (vacuum.notListed) lines.push(`  … and ${vacuum.notListed} more (\`${DATALAKE} runs ${summary.runId} --json\` has the counts per reason)`);
    const reasons = Object.entries(vacuum.byReason).map(([r, n]) => `${counted(r, n.objects)} (${humanBytes(n.bytes)})`);
    const range = (v: number[]) => (v.length === 1 ? `version ${v[0]}` : `versions ${v[0]}–${v.at(-1)}`);
    const kept = vacuum.versionsKept.length ? range(vacuum.versionsKept) : 'no version';
    lines.push(
      `vacuum${vacuum.dryRun ? ' (dry run)' : ''}: ${verb} ${vacuum.deleted} object${vacuum.deleted === 1 ? '' : 's'}, ${humanBytes(Object.values(vacuum.byReason).reduce((n, r) => n + r.bytes, 0))}${reasons.length ? `: ${reasons.join(', ')}` : ''}`,
      `vacuum: kept ${kept} (the newest ${vacuum.keepVersions} and those committed since ${vacuum.cutoff}) and ${vacuum.objectsKept} objects, ${humanBytes(vacuum.bytesKept)}${vacuum.versionsDropped.length ? `; ${range(vacuum.versionsDropped)} can no longer be read` : ''}${vacuum.bronze ? '' : '; bronze kept whole (--bronze to trim it)'}`,
    );
    // Records of runs from before the scratch was listed have none.
    const scratch = vacuum.scratch ?? [];
    if (scratch.length) {
      for (const d of scratch) lines.push(`  run scratch  ${humanBytes(d.bytes).padStart(9)}  ${d.folder}`);
      lines.push(`vacuum: ${verb} the scratch space of ${scratch.length} run(s) or process(es) no longer alive, ${humanBytes(scratch.reduce((n, d) => n + d.bytes, 0))} (local, under DATA_DIR/.scratch)`);
    }
    if (vacuum.dryRun && (vacuum.deleted || scratch.length)) lines.push('vacuum: nothing was deleted (dry run); run again without --dry-run to delete');
  }
  const compact = summary.stages.find((s) => s.stage === 'compact')?.details as { compacted?: { dataset: string; partition: string; files: number; rows: number }[] } | undefined;
  for (const c of compact?.compacted ?? []) lines.push(`compact: ${c.dataset} ${c.partition || '(unpartitioned)'}: ${c.files} files → 1, ${humanCount(c.rows)} rows`);
  return lines;
}

/** The objects vacuum deleted for a reason, as a count: `2 expired versions`, not `expired version 2`, which reads as a version. */
function counted(reason: string, n: number): string {
  const nouns: Record<string, string> = { unreferenced: 'unreferenced object', staging: 'staged file', 'resume state': 'resume-state object', bronze: 'bronze file' };
  return `${n} ${nouns[reason] ?? reason}${n === 1 ? '' : 's'}`;
}

/** One run as `datalake runs <id>` shows it: each task's attempts with their times, then the log. */
export function renderRun(run: RunSummary): string {
  const lines = [
    `run ${run.runId}  ${run.flow}  ${run.state}  started ${run.startedAt}${run.endedAt ? `, ${run.seconds.toFixed(2)} s` : ''}  (${run.owner}; ${run.lake})`,
  ];
  if (Object.keys(run.parameters).length) lines.push(`parameters: ${JSON.stringify(run.parameters)}`);
  const table = new Table({ head: ['task', 'state', 'attempt', 'started', 'seconds', 'rows', 'bytes', 'error'], style: { head: [], border: [] } });
  for (const t of run.tasks) {
    if (t.attempts.length === 0) table.push([t.name, t.state, '', '', '', '', '', '']);
    for (const a of t.attempts) {
      table.push([t.name, a === t.attempts.at(-1) ? t.state : a.state, String(a.attempt), a.startedAt.slice(11, 23), a.seconds?.toFixed(2) ?? '', a.rows === undefined ? '' : humanCount(a.rows), a.bytes === undefined ? '' : humanBytes(a.bytes), a.error ?? '']);
    }
  }
  lines.push(table.toString());
  for (const l of run.logs) lines.push(`${l.time.slice(11, 23)} ${l.level.padEnd(5)} ${l.task ? `[${l.task}] ` : ''}${l.message}`);
  for (const a of run.alerts ?? []) lines.push(`alert ${a.event} to ${a.target}: ${a.status} after ${a.attempts} attempt(s)${a.httpStatus ? ` (HTTP ${a.httpStatus})` : ''}${a.error ? `: ${a.error}` : ''}`);
  if (run.error?.hint) lines.push(`hint: ${run.error.hint}`);
  return lines.join('\n');
}

function rows(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}
