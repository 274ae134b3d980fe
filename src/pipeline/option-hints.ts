import type { DatasetSpec } from '../project/types.js';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { commaGrouped, spaceGrouped } from './number-reading.js';
import { hasFlag } from './number-flags.js';
import { raw } from './row-rules.js';

/**
 * Rows a file's cleaning set aside that a dataset option would read: counted for the run summary (and
 * the failure of a dataset left empty) to name that option.
 */
export interface OptionHints {
  /** Malformed lines holding `\"` in a dataset without `escape`: a MySQL-style export (`escape: backslash`). */
  backslashQuotes?: number;
  /** Malformed lines of a tab-separated dataset with quotes holding a `"` inside a field: an export that quotes nothing, as IMDb's (`quote: none`). */
  literalQuotes?: number;
  /** Rows quarantined as no number whose value has commas grouping thousands (`30,825`), in a dataset without a decimal separator (`decimal_separator: "."`). */
  thousandsCommas?: number;
  /** The same whose spaces group thousands (`652 432`, INSEE's no-break ones), which a dataset of decimal commas reads (`decimal_separator: ","`). */
  thousandsSpaces?: number;
  /** Rows quarantined as no number, per column declared without `flags`, whose value has a statistics office's flag after it (`"20,799.0 r"`, `490.3E`). */
  flaggedFigures?: Record<string, number>;
}

/** What the summary and a dataset's failure say of `n` rows set aside for their commas grouping thousands. */
export function thousandsCommasHint(n: number, dataset: string): string {
  return `${n} of the rows set aside hold${n > 1 ? '' : 's'} numbers whose commas group thousands (30,825), which a dataset without a decimal separator does not read (the comma may be a decimal one): declare decimal_separator: "." in datasets/${dataset}.yml to read ${n > 1 ? 'them' : 'it'}`;
}

/** The same of `n` rows set aside for their spaces grouping thousands. */
export function thousandsSpacesHint(n: number, dataset: string): string {
  return `${n} of the rows set aside hold${n > 1 ? '' : 's'} numbers whose spaces group thousands (652 432, no-break ones included), which a dataset without a decimal separator does not read: if its numbers have no decimal point (12,5 or none), declare decimal_separator: "," in datasets/${dataset}.yml to read ${n > 1 ? 'them' : 'it'}`;
}

/** What the summary says of the rows set aside for a flag after their figures, per column. */
export function flaggedFiguresHint(columns: Record<string, number>, dataset: string): string {
  const n = Object.values(columns).reduce((a, b) => a + b, 0);
  const names = Object.keys(columns).sort();
  return `${n} of the rows set aside hold${n > 1 ? '' : 's'} figures with a flag after them, as statistics offices mark a revised or estimated one ("20,799.0 r", 490.3E, 12.3 p): declare flags: true on ${names.join(', ')} in datasets/${dataset}.yml to read ${n > 1 ? 'them' : 'it'}`;
}

/** What a dataset left empty by the rows set aside is told to do: the option that reads them, if one does. */
export function setAsideFix(aside: Pick<OptionHints, 'thousandsCommas' | 'thousandsSpaces'>, dataset: string): string {
  if (aside.thousandsCommas) return thousandsCommasHint(aside.thousandsCommas, dataset);
  return aside.thousandsSpaces ? thousandsSpacesHint(aside.thousandsSpaces, dataset) : 'fix the definition or resend the source file';
}

/**
 * The counts of OptionHints for a cleaned file: `rejects` its malformed lines (`rejected` of them), `checked`
 * its rows with their verdicts and raw values, `reasons` the rows quarantined per reason.
 */
export async function optionHints(engine: Engine, spec: DatasetSpec, rejects: { table: string; rejected: number }, checked: string, reasons: Record<string, number>): Promise<OptionHints> {
  // A quote inside a field (`12" Single`), not one around a field (`"---"`, a footer written quoted): a file that quotes nothing.
  const [escaped] = rejects.rejected > 0 && !spec.quote ? await engine.rows(`SELECT count(*) FILTER (WHERE contains(csv_line, '\\"')) AS n, count(*) FILTER (WHERE regexp_matches(csv_line, '[^\\t"]"[^\\t"]')) AS quotes FROM ${rejects.table}`) : [];
  const backslashQuotes = spec.escape ? 0 : Number(escaped?.['n'] ?? 0);
  // Tab-separated lines holding a quote inside a field: most likely an export that quotes nothing (`12" Single`).
  const literalQuotes = spec.delimiter === '\t' && !backslashQuotes ? Number(escaped?.['quotes'] ?? 0) : 0;
  // Asked of the file only where a number column's values failed and no separator is declared.
  const columnOf = (reason: string) => reason.slice(reason.indexOf(':') + 1);
  const numbers = Object.keys(reasons).filter((r) => /^invalid_(integer|number):/.test(r) && spec.columns[columnOf(r)]);
  const failed = spec.decimalSeparator ? [] : numbers;
  const rowsOf = (grouped: (r: string, reason: string) => string) => `count(*) FILTER (WHERE ${failed.map((r) => `(_verdict = ${str(r)} AND ${grouped(raw(columnOf(r)), r)})`).join(' OR ')})`;
  const spaced = (r: string, reason: string) => spaceGrouped(r, !reason.startsWith('invalid_integer:'));
  // A flag after a figure (`"20,799.0 r"`) is what fails it, not its commas: a separator would not read it.
  const commas = (r: string) => `(${commaGrouped(r)} AND NOT ${hasFlag(r)})`;
  // Those flags, per column declared without them (with a declared separator too).
  const unflagged = numbers.filter((r) => !spec.columns[columnOf(r)]!.flags);
  const selects = [...(failed.length ? [`${rowsOf(commas)} AS n`, `${rowsOf(spaced)} AS spaces`] : []), ...unflagged.map((r) => `count(*) FILTER (WHERE _verdict = ${str(r)} AND ${hasFlag(raw(columnOf(r)))}) AS ${id(`flag:${columnOf(r)}`)}`)];
  const [counts] = selects.length ? await engine.rows(`SELECT ${selects.join(', ')} FROM ${checked}`) : [];
  const [thousandsCommas, thousandsSpaces] = [Number(counts?.['n'] ?? 0), Number(counts?.['spaces'] ?? 0)];
  const flaggedFigures = Object.fromEntries(unflagged.flatMap((r) => (Number(counts?.[`flag:${columnOf(r)}`] ?? 0) > 0 ? [[columnOf(r), Number(counts![`flag:${columnOf(r)}`])]] : [])));
  return { ...(backslashQuotes ? { backslashQuotes } : {}), ...(literalQuotes ? { literalQuotes } : {}), ...(thousandsCommas ? { thousandsCommas } : {}), ...(thousandsSpaces ? { thousandsSpaces } : {}), ...(Object.keys(flaggedFigures).length ? { flaggedFigures } : {}) };
}
