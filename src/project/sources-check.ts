import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { Engine } from '../engine/duckdb.js';
import { datasetForFile } from './globs.js';
import { datasetOfHeader, unmatchedHint } from './same-header.js';
import { headerKey, matchHeader } from '../pipeline/csv-header.js';
import { datasetHeader } from '../pipeline/dataset-header.js';
import { headerProblem } from '../pipeline/header-problem.js';
import { inferCsv } from './infer.js';
import { headerElsewhere } from './layout.js';
import { isSourceFileName } from '../lake/keys.js';
import { checkTextStart } from '../pipeline/csv-file.js';
import { escapeProblem, escapesAsMysql, quoteStyle } from '../pipeline/csv-quoting.js';
import { isUtf8File } from '../pipeline/csv-encoding.js';
import { UserError } from '../errors.js';
import { DATALAKE } from '../command-name.js';

export interface SourceFileReport {
  file: string;
  dataset: string | null;
  /** What a run would do with the file. */
  outcome: 'matches' | 'extra columns ignored' | 'refused: extra columns' | 'waits in quarantine' | 'refused: missing columns' | 'matches no dataset';
  problem?: string;
  /** Something a run reads otherwise than the file means (quotes escaped as MySQL does, read as the standard's). */
  note?: string;
  missingOptional: string[];
  /** Columns the definition lacks, as the YAML lines to add under `columns:`. */
  add: string[];
  /** Matching no dataset's files: the dataset whose columns its header names exactly (a later file of it, its files: too narrow). */
  sameColumnsAs?: string;
  /** Lacking a declared column and holding one the definition lacks: the declared one's new header, as its `also`. */
  renamed?: { column: string; header: string };
}

/**
 * `datalake check --sources`: each CSV waiting in the sources folders against its dataset's
 * definition: the columns it lacks, and for the columns the definition does not name yet, the
 * YAML lines to add (types inferred by DuckDB from the file).
 */
export async function checkSources(config: Config): Promise<SourceFileReport[]> {
  const { project } = config;
  const files = new Map<string, string>();
  for (const dir of [...config.sourcesDirs].reverse()) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const n of names) if (isSourceFileName(n)) files.set(n, path.join(dir, n));
  }
  const reports: SourceFileReport[] = [];
  let engine: Engine | undefined;
  try {
    for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const spec = datasetForFile(project, name);
      if (!spec) {
        const like = await datasetOfHeader(project, file);
        reports.push({ file: name, dataset: null, outcome: 'matches no dataset', ...(like ? { sameColumnsAs: like.name } : {}), missingOptional: [], add: [] });
        continue;
      }
      // A folder (or a FIFO) named like a CSV: bronze sets it aside without reading it, and so is it said here.
      const st = await fs.stat(file).catch(() => undefined);
      if (!st?.isFile()) {
        const kind = !st ? 'a link to nothing' : st.isDirectory() ? 'a folder' : 'not a regular file';
        reports.push({ file: name, dataset: spec.name, outcome: 'waits in quarantine', problem: `not a regular file: ${kind}; only regular files (or links to them) are read`, missingOptional: [], add: [] });
        continue;
      }
      // What bronze refuses before reading the header (not UTF-8 text, CR-only line ends), said as bronze says it.
      // A file of a windows-1252 dataset may be UTF-8 all the same: read as bronze reads it.
      const utf8 = await isUtf8File(file);
      const encoding = spec.encoding && !utf8 ? spec.encoding : 'utf-8';
      const unreadable = await checkTextStart(file, name, encoding, utf8).then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof UserError) return err;
          throw err;
        },
      );
      if (unreadable) {
        reports.push({ file: name, dataset: spec.name, outcome: 'waits in quarantine', problem: `${unreadable.message} (${unreadable.hint ?? ''})`.replace(/ \(\)$/, ''), missingOptional: [], add: [] });
        continue;
      }
      const skip = spec.skipLines ?? 0;
      const header = await datasetHeader(file, spec, encoding, skip).catch((err: unknown) => {
        if (err instanceof UserError) return err;
        throw err;
      });
      if (header instanceof UserError) {
        reports.push({ file: name, dataset: spec.name, outcome: 'waits in quarantine', problem: header.message, missingOptional: [], add: [] });
        continue;
      }
      const quoting = await quoteStyle(file, spec.delimiter);
      const escaping = spec.escape || spec.backslashEscapes ? escapeProblem(name, quoting, spec) : undefined;
      // Read as the CSV standard, a \" ends its value: the line is quarantined.
      const note = !spec.escape && !spec.quote && quoting.backslashQuote && escapesAsMysql(quoting) ? `its quotes are escaped with a backslash (\\"), as MySQL writes them: the lines holding one would be quarantined; set escape: backslash in datasets/${spec.name}.yml` : undefined;
      if (escaping) {
        reports.push({ file: name, dataset: spec.name, outcome: 'waits in quarantine', problem: `${escaping.message} (${escaping.hint})`, missingOptional: [], add: [] });
        continue;
      }
      const match = matchHeader(header, spec);
      const problem = headerProblem(name, header, match, spec);
      // Something is off: a file whose header is at another line than skip_lines says is read wrong
      // whole, whatever columns it seems to lack or add.
      if (problem || match.extra.length) {
        const elsewhere = await headerElsewhere(file, name, spec, encoding);
        if (elsewhere) {
          reports.push({ file: name, dataset: spec.name, outcome: 'waits in quarantine', problem: elsewhere, missingOptional: [], add: [] });
          continue;
        }
      }
      let add: string[] = [];
      // A field the definition lacks, or a column named once more than declared: its later field fills
      // `<name>_2` (as init names it), which the lines to add declare.
      const repeated = match.names.map((n, i) => match.duplicated.includes(n) && match.names.indexOf(n) < i);
      // A header naming no declared column is no header (a row, a title): nothing to add from it, nothing it lacks to list.
      const noHeader = match.names.every((n) => n.startsWith('_extra_'));
      // Without a header line (`header: false`), a field more names nothing to add: the file is of another shape.
      if (!noHeader && !spec.headerless && (match.extra.length || repeated.includes(true))) {
        engine ??= await Engine.openTemporary({ threads: 2, memoryLimit: '1GB' }, 'check');
        const inferred = await inferCsv(engine, file, name);
        // A repeat spelled otherwise than the field before it (`Amount` after `amount`) is declared with its
        // spelling: matched by it, each keeps its values whatever order a later file gives them.
        const spelled = (i: number) => repeated[i] && header.some((h, j) => j < i && headerKey(h) === headerKey(header[i]!) && h.trim() !== header[i]!.trim());
        add = inferred.columns
          .flatMap((c, i) => (match.names[i]?.startsWith('_extra_') || repeated[i] ? [{ c, exact: spelled(i) }] : []))
          .map(({ c, exact }) => `${c.name}: { type: ${c.type}${c.format ? `, format: ${JSON.stringify(c.format)}` : ''}${exact ? `, header: ${JSON.stringify(c.header.trim())}` : ''} }${!c.header ? '   # no name in the header' : c.header !== c.name && !exact ? `   # header ${JSON.stringify(c.header)}` : ''}`);
      }
      const outcome: SourceFileReport['outcome'] = problem
        ? spec.onMissingColumns === 'fail'
          ? 'refused: missing columns'
          : 'waits in quarantine'
        : match.extra.length
          ? spec.onExtraColumns === 'fail'
            ? 'refused: extra columns'
            : 'extra columns ignored'
          : 'matches';
      const lacking = noHeader ? [] : [...match.missingRequired, ...match.missingOptional];
      const renamed = lacking.length && match.extra.length && !spec.headerless ? { renamed: { column: lacking[0]!, header: match.extra[0]! } } : {};
      reports.push({ file: name, dataset: spec.name, outcome, ...(problem ? { problem: problem.message } : {}), ...(note ? { note } : {}), missingOptional: noHeader ? [] : match.missingOptional, add, ...renamed });
    }
  } finally {
    engine?.close();
  }
  return reports;
}

export function renderSourcesCheck(reports: SourceFileReport[], config: Config): string {
  if (reports.length === 0) return `no CSV file in ${config.sourcesDirs.join(' or ')}`;
  const lines: string[] = [];
  for (const r of reports) {
    if (!r.dataset) {
      lines.push(`✖ ${r.file}: matches no dataset (files: ${config.project.datasets.flatMap((d) => d.files).join(', ')})`);
      const like = config.project.datasets.find((d) => d.name === r.sameColumnsAs);
      lines.push(`    ${unmatchedHint(config.project, r.file, like, `\`${DATALAKE} init <folder> --from-csv ${r.file}\``)}`);
      continue;
    }
    const mark = r.outcome === 'matches' ? '✔' : r.outcome === 'extra columns ignored' ? '•' : '✖';
    lines.push(`${mark} ${r.file} → ${r.dataset}: ${r.outcome}${r.problem ? `: ${r.problem}` : ''}`);
    if (r.note) lines.push(`    note: ${r.note}`);
    if (r.missingOptional.length) lines.push(`    optional columns absent (read as missing): ${r.missingOptional.join(', ')}`);
    if (r.add.length) {
      lines.push(`    add under columns: in datasets/${r.dataset}.yml:`);
      for (const a of r.add) lines.push(`      ${a}`);
    }
    if (r.renamed) lines.push(`    or, if the file renamed ${r.renamed.column}, give it its new header too: ${r.renamed.column}: { ..., also: [${JSON.stringify(r.renamed.header)}] }`);
  }
  return lines.join('\n');
}
