import type { DatasetSpec } from '../project/types.js';
import { sqlString as str, type Engine } from '../engine/duckdb.js';
import { commaGrouped, spaceGrouped } from './number-reading.js';
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
}

/** What the summary and a dataset's failure say of `n` rows set aside for their commas grouping thousands. */
export function thousandsCommasHint(n: number, dataset: string): string {
  return `${n} of the rows set aside hold${n > 1 ? '' : 's'} numbers whose commas group thousands (30,825), which a dataset without a decimal separator does not read (the comma may be a decimal one): declare decimal_separator: "." in datasets/${dataset}.yml to read ${n > 1 ? 'them' : 'it'}`;
}

/** The same of `n` rows set aside for their spaces grouping thousands. */
export function thousandsSpacesHint(n: number, dataset: string): string {
  return `${n} of the rows set aside hold${n > 1 ? '' : 's'} numbers whose spaces group thousands (652 432, no-break ones included), which a dataset without a decimal separator does not read: if its numbers have no decimal point (12,5 or none), declare decimal_separator: "," in datasets/${dataset}.yml to read ${n > 1 ? 'them' : 'it'}`;
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
  const failed = spec.decimalSeparator ? [] : Object.keys(reasons).filter((r) => /^invalid_(integer|number):/.test(r) && spec.columns[r.slice(r.indexOf(':') + 1)]);
  const rowsOf = (grouped: (r: string, reason: string) => string) => `count(*) FILTER (WHERE ${failed.map((r) => `(_verdict = ${str(r)} AND ${grouped(raw(r.slice(r.indexOf(':') + 1)), r)})`).join(' OR ')})`;
  const spaced = (r: string, reason: string) => spaceGrouped(r, !reason.startsWith('invalid_integer:'));
  const [grouped] = failed.length ? await engine.rows(`SELECT ${rowsOf(commaGrouped)} AS n, ${rowsOf(spaced)} AS spaces FROM ${checked}`) : [];
  const [thousandsCommas, thousandsSpaces] = [Number(grouped?.['n'] ?? 0), Number(grouped?.['spaces'] ?? 0)];
  return { ...(backslashQuotes ? { backslashQuotes } : {}), ...(literalQuotes ? { literalQuotes } : {}), ...(thousandsCommas ? { thousandsCommas } : {}), ...(thousandsSpaces ? { thousandsSpaces } : {}) };
}
