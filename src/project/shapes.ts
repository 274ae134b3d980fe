import type { InferredColumn, InferredCsv } from './infer.js';
import { valuesInText } from './inferred.js';
import { headerKey } from '../pipeline/csv-header.js';
import { isEpochFormat } from '../pipeline/epoch.js';

/**
 * Files of one stem given to `init --from-csv` together: whether they hold one table (monthly exports
 * whose columns move), and what they say about it together.
 */

/**
 * Two files of one table (a UTF-8 one and a windows-1252 one too: bronze reads each as it is): the same
 * delimiter, lines before the header, header lines and decimal separator (where both have decimals), and
 * the columns of one all columns of the other, or all but one on each side (a month that renames a
 * column, or adds one and drops another), more than half of the wider file's columns being in both.
 */
export function oneTable(a: InferredCsv, b: InferredCsv): boolean {
  if (a.delimiter !== b.delimiter || a.skipLines !== b.skipLines || a.headerRows !== b.headerRows) return false;
  // A file without a decimal says nothing of the separator.
  if (a.decimalSeparator && b.decimalSeparator && a.decimalSeparator !== b.decimalSeparator) return false;
  // A month written by MySQL (\") and one by a spreadsheet ("", or backslashes as text) read otherwise.
  if (a.escape !== b.escape && !(a.escape ? b : a).plainQuotes) return false;
  // A file quoting nothing (IMDb's) and one with quoted values read otherwise.
  if (a.quote !== b.quote || a.headerless !== b.headerless) return false;
  // Backslashes that are escapes in one and text (or absent) in the other: read alike only without any.
  if (a.backslashEscapes !== b.backslashEscapes && !(a.backslashEscapes ? b : a).plainQuotes) return false;
  const [small, large] = a.columns.length <= b.columns.length ? [a, b] : [b, a];
  const names = new Set(large.columns.map((c) => c.name));
  const shared = small.columns.filter((c) => names.has(c.name)).length;
  if (shared === small.columns.length) return true;
  // Two exports of one system share their audit columns (id, created_at, updated_by...): two columns
  // or more of their own on each side make them two tables.
  return small.columns.length - shared === 1 && large.columns.length - shared === 1 && shared * 2 > large.columns.length;
}

/**
 * A later file of a table with its columns named as the first file's where headers are one name but
 * for case, spaces or punctuation (`Email`, `EMAIL`): columnNames numbers those by their order, so a
 * file ordering them otherwise would type each from the other's values.
 */
export function alignSpellings(first: InferredCsv, later: InferredCsv): InferredCsv {
  const named = new Map(first.columns.map((c) => [c.header.trim(), c.name]));
  const groups = new Map<string, InferredColumn[]>();
  for (const c of later.columns) if (headerKey(c.header)) groups.set(headerKey(c.header), [...(groups.get(headerKey(c.header)) ?? []), c]);
  const renamed = new Map<InferredColumn, string>();
  for (const group of groups.values()) {
    const names = group.map((c) => c.name);
    const theirs = group.map((c) => named.get(c.header.trim()));
    // Only a reordering among the group's own names: each spelling found once in the first file.
    if (group.length < 2 || theirs.some((n) => !n || !names.includes(n)) || new Set(theirs).size < group.length) continue;
    group.forEach((c, k) => renamed.set(c, theirs[k]!));
  }
  return renamed.size ? { ...later, columns: later.columns.map((c) => (renamed.has(c) ? { ...c, name: renamed.get(c)! } : c)) } : later;
}

/**
 * The rows two files' column fills, its most frequent value (the rows of each file's summed where it is one
 * value, else the larger: a month's `2024-01` and the next's `2024-02` are no value of every row) and its most decimals.
 */
function counts(x: InferredColumn, y: InferredColumn): Pick<InferredColumn, 'filled' | 'top' | 'decimals'> {
  const top = x.top && y.top ? (x.top.value === y.top.value ? { value: x.top.value, rows: x.top.rows + y.top.rows } : x.top.rows >= y.top.rows ? x.top : y.top) : (x.top ?? y.top);
  const decimals = x.decimals === undefined && y.decimals === undefined ? undefined : Math.max(x.decimals ?? 0, y.decimals ?? 0);
  return { ...(x.filled !== undefined && y.filled !== undefined ? { filled: x.filled + y.filled } : {}), ...(top ? { top } : {}), ...(decimals !== undefined ? { decimals } : {}) };
}

/** Day-first forms silver reads in a date column without a format (row-rules.ts), beside ISO dates. */
const SILVER_DATE_FORMS = ['%d/%m/%Y', '%Y/%m/%d', '%d-%m-%Y', '%d.%m.%Y'];

/**
 * What two files of one table say together: every column (in the first file's order, then the new
 * ones), each typed to read the values of both (integer and number are numbers; other differences
 * text), complete and unique only if it is in each file.
 */
export function mergeShapes(a: InferredCsv, b: InferredCsv): InferredCsv {
  const other = (csv: InferredCsv, name: string) => csv.columns.find((c) => c.name === name);
  const merged = [...a.columns, ...b.columns.filter((c) => !other(a, c.name))].map((c): InferredColumn => {
    const x = other(a, c.name);
    const y = other(b, c.name);
    if (!x || !y) return { ...c, complete: false, unique: false };
    // A column empty in one file says nothing about its type (its `=""` may say how it is written).
    const formulas = x.excelText || y.excelText ? { excelText: true as const } : {};
    if (y.distinct === 0) return { ...x, ...formulas, complete: false, unique: false };
    if (x.distinct === 0) return { ...y, ...formulas, header: x.header, complete: false, unique: false };
    // A unit in one file only: the other's plain numbers read in a column declared with it. Two units are two currencies: text.
    const unit = x.unit ?? y.unit;
    const units = x.unit === undefined || y.unit === undefined || x.unit === y.unit;
    const same = x.type === y.type && x.format === y.format && units;
    const numbers = [x.type, y.type].every((t) => t === 'integer' || t === 'number' || t === 'decimal') && units;
    // Numbers a double would round in one file: a decimal of the larger scale for both.
    const decimal = numbers && (x.type === 'decimal' || y.type === 'decimal');
    // Dates ISO in one file and day first in another: silver reads both without a format.
    const dates = x.type === 'date' && y.type === 'date' && [x.format, y.format].every((f) => f === undefined || SILVER_DATE_FORMS.includes(f));
    // Unix time in one file and integers (or the other unit) in another: one reading reads no instant of both; integers do.
    const integers = units && [x, y].every((c) => c.type === 'integer' || isEpochFormat(c.format));
    const type = same ? x.type : integers ? 'integer' : decimal ? 'decimal' : numbers ? 'number' : dates ? 'date' : 'text';
    const scale = decimal ? Math.max(x.scale ?? 0, y.scale ?? 0) : undefined;
    const { format: _format, ambiguousWith: _ambiguous, nullValues: _nulls, unit: _unit, flags: _flags, ...rest } = x;
    // Flags after some figures in one file only (a revision, `"20,799.0 r"`): the other's plain numbers read in a column declared with them.
    const flags = numbers ? [...new Set([...(x.flags ?? []), ...(y.flags ?? [])])].sort() : [];
    const ambiguousWith = dates && !same ? (x.ambiguousWith ?? y.ambiguousWith) : undefined;
    // Statistics marks are missing in a column of numbers or dates, values of a text one.
    const nullValues = type === 'text' ? [] : [...new Set([...(x.nullValues ?? []), ...(y.nullValues ?? [])])].sort();
    const { period: _period, magnitudes: _magnitudes, ...kept } = same ? x : rest;
    // Magnitudes in one file only (`52.34K`): the other's plain numbers read in a column declaring them.
    const magnitudes = type === 'number' && (x.magnitudes || y.magnitudes) ? { magnitudes: true as const } : {};
    // Formulas of text in one file only: read as written in the other (excel-text.ts leaves any other value as it is).
    return { ...kept, ...(x.period && y.period ? { period: true as const } : {}), ...formulas, type, ...magnitudes, ...(scale !== undefined ? { scale } : {}), ...(type !== 'text' && unit !== undefined ? { unit } : {}), ...(flags.length ? { flags } : {}), ...(ambiguousWith ? { ambiguousWith } : {}), ...(nullValues.length ? { nullValues } : {}), complete: x.complete && y.complete, unique: x.unique && y.unique, distinct: Math.max(x.distinct, y.distinct), ...counts(x, y) };
  });
  // A spelling one file leaves missing in a number column and another has as a value of a text column.
  const nullValues = [...new Set([...a.nullValues, ...b.nullValues])].sort();
  const textTokens = [...a.textTokens, ...b.textTokens];
  return { ...(a.dataset ? { dataset: a.dataset } : {}), delimiter: a.delimiter, skipLines: a.skipLines, encoding: a.encoding === 'utf-8' ? b.encoding : a.encoding, text: a.text, ...(a.decimalSeparator ?? b.decimalSeparator ? { decimalSeparator: a.decimalSeparator ?? b.decimalSeparator } : {}), ...(a.thousandsComma || b.thousandsComma ? { thousandsComma: true } : {}), ...(a.describedBy ?? b.describedBy ? { describedBy: a.describedBy ?? b.describedBy } : {}), ...(a.importIds || b.importIds ? { importIds: true as const } : {}), ...(a.headerRows ? { headerRows: a.headerRows } : {}), ...(a.escape ?? b.escape ? { escape: a.escape ?? b.escape } : {}), ...(a.quote ? { quote: a.quote } : {}), ...(a.headerless ? { headerless: true as const } : {}), ...(a.backslashEscapes || b.backslashEscapes ? { backslashEscapes: true as const } : {}), plainQuotes: a.plainQuotes && b.plainQuotes, ...(a.footerRows || b.footerRows ? { footerRows: (a.footerRows ?? 0) + (b.footerRows ?? 0) } : {}), ...(a.wholeFooterRows || b.wholeFooterRows ? { wholeFooterRows: (a.wholeFooterRows ?? 0) + (b.wholeFooterRows ?? 0) } : {}), ...(a.totalRows || b.totalRows ? { totalRows: (a.totalRows ?? 0) + (b.totalRows ?? 0), totalLabel: a.totalLabel ?? b.totalLabel ?? 'Total' } : {}), ...(a.sumRowFilled ?? b.sumRowFilled ? { sumRowFilled: a.sumRowFilled ?? b.sumRowFilled } : {}), ...(a.repeatedHeaders || b.repeatedHeaders ? { repeatedHeaders: (a.repeatedHeaders ?? 0) + (b.repeatedHeaders ?? 0) } : {}), ...(a.reportRows || b.reportRows ? { reportRows: (a.reportRows ?? 0) + (b.reportRows ?? 0) } : {}), ...(a.emptyRows || b.emptyRows ? { emptyRows: (a.emptyRows ?? 0) + (b.emptyRows ?? 0) } : {}), rows: a.rows + b.rows, columns: merged, nullValues, nullValuesInText: valuesInText(nullValues, textTokens), textTokens, unreadRecords: a.unreadRecords + b.unreadRecords, ...(a.bareCrLines || b.bareCrLines ? { bareCrLines: (a.bareCrLines ?? 0) + (b.bareCrLines ?? 0) } : {}) };
}
