import type { DatasetSpec } from '../project/types.js';
import { sqlString as str, type Engine } from '../engine/duckdb.js';
import { commaGrouped } from './number-reading.js';
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
}

/** What the summary and a dataset's failure say of `n` rows set aside for their commas grouping thousands. */
export function thousandsCommasHint(n: number, dataset: string): string {
  return `${n} of the rows set aside hold${n > 1 ? '' : 's'} numbers whose commas group thousands (30,825), which a dataset without a decimal separator does not read (the comma may be a decimal one): declare decimal_separator: "." in datasets/${dataset}.yml to read ${n > 1 ? 'them' : 'it'}`;
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
  const [grouped] = failed.length ? await engine.rows(`SELECT count(*) AS n FROM ${checked} WHERE ${failed.map((r) => `(_verdict = ${str(r)} AND ${commaGrouped(raw(r.slice(r.indexOf(':') + 1)))})`).join(' OR ')}`) : [];
  const thousandsCommas = Number(grouped?.['n'] ?? 0);
  return { ...(backslashQuotes ? { backslashQuotes } : {}), ...(literalQuotes ? { literalQuotes } : {}), ...(thousandsCommas ? { thousandsCommas } : {}) };
}
