import { sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import type { ColumnSpec, DatasetSpec, DecimalSeparator, Severity } from '../project/types.js';
import { floatWrittenInteger, numberExpr, readAsNegative, unicodeSpaced, unicodeTrimmed, withMagnitude, withoutUnit } from './number-reading.js';
import { flaggedNumber, hasFlag } from './number-flags.js';
import { dateText, isMissingSpelling, oneOf, trimCouldChange, trimmed } from './trimmed-text.js';
import { epochInstant, epochOf } from './epoch.js';
import { endsWithOffset, utcInstant, zonedInstant } from './utc-offset.js';
import { builtinRules } from './builtin-rules.js';

export { builtinRules };

/**
 * A dataset's declarations as SQL over one row: the typed value of each raw text column, whether it is
 * missing, the built-in rules (required, type) and the declared ones (judging.ts makes the verdict of
 * them, the first failed `error` rule). cleaning.ts runs them; they live here so that a rule is read in one place.
 */

/** Accepted spellings, tried in order. Day-first because the sources are French. */
const DATE_FORMATS = ['%Y-%m-%d', '%d/%m/%Y', '%Y/%m/%d', '%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S'];
const TIMESTAMP_FORMATS = ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ',
  '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d', '%d/%m/%Y'];

const formatList = (formats: readonly string[]) => `[${formats.map(str).join(', ')}]`;

/** SQL type of a column in silver. */
export function sqlType(col: ColumnSpec): string {
  switch (col.type) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(18,${col.scale ?? 2})`;
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'boolean':
      return 'BOOLEAN';
    case 'text':
      return 'VARCHAR';
  }
}

/**
 * The typed value of raw column `r`. Casts accept surrounding spaces themselves, and trimming every
 * field of millions of rows costs more than the casts, so only text is trimmed. The ISO cast covers
 * nearly every row; format matching and the decimal comma are tried only where it fails.
 */
export function typedExpr(r: string, spec: ColumnSpec, trimmedText: string, decimalSeparator?: DecimalSeparator): string {
  if (spec.magnitudes) {
    // The magnitude taken off first: the number before it is read as any of the column (its unit too: `$1.2B`).
    const { magnitudes: _, ...plain } = spec;
    return withMagnitude(r, (k) => typedExpr(k, plain, k, decimalSeparator), typedExpr(r, plain, trimmedText, decimalSeparator));
  }
  if (spec.flags) {
    // Read as written first; where that fails, a flag after the figure (`"20,799.0 r"`) taken off and the number read
    // as any (its unit too), bound once by a lambda. The pattern is matched on those values only, not on every figure.
    const { flags: _flags, ...plain } = spec;
    return `coalesce(${typedExpr(r, plain, trimmedText, decimalSeparator)}, CASE WHEN ${hasFlag(r)} THEN list_transform([${flaggedNumber(r)}], lambda _f: ${typedExpr('_f', plain, '_f', decimalSeparator)})[1] END)`;
  }
  if (spec.unit !== undefined) {
    // Read as written first: the unit is taken off only where that fails, once per value (bound by a
    // lambda: inlined at each of the reading's references to the value, its patterns ran eight times).
    const { unit, ...plain } = spec;
    const withUnit = `list_transform([${withoutUnit(r, unit)}], lambda _u: ${typedExpr('_u', plain, '_u', decimalSeparator)})[1]`;
    // A value holding the unit (or parentheses) is not tried without taking it off: that reading only fails.
    return `CASE WHEN contains(${r}, ${str(unit)}) OR contains(${r}, '(') THEN ${withUnit} ELSE ${typedExpr(r, plain, trimmedText, decimalSeparator)} END`;
  }
  switch (spec.type) {
    case 'integer':
      return integerExpr(r, decimalSeparator);
    case 'number':
    case 'decimal': {
      const type = sqlType(spec);
      // A non-breaking space around the number is trimmed, and a minus sign read, where the first reading failed (see integer).
      // And an accounting negative (`(290.65)`, `614,10-`), where both failed.
      const read = (as: string) => `coalesce(${numberExpr(r, as, decimalSeparator)}, CASE WHEN ${unicodeSpaced(r)} THEN ${numberExpr(unicodeTrimmed(r), as, decimalSeparator)} END, ${readAsNegative(r, (n) => numberExpr(n, as, decimalSeparator))})`;
      const value = read(type);
      // Infinities and NaN are not numbers a KPI can add up.
      if (spec.type === 'number') return `CASE WHEN isfinite(${value}) THEN ${value} END`;
      // More decimals than the scale (12.345 in a column of 2) would be rounded without a word: not a value
      // of the column. Told by the same text read as a double, which differs then.
      // A value written with at most that many characters after its point, no exponent (nearly all), needs
      // no second reading: the 2M shop's silver took 0.11 s more with it on every value, 0.03 s so.
      const fewDecimals = `(instr(${r}, '.') > 0 AND strlen(${r}) - instr(${r}, '.') <= ${spec.scale ?? 2} AND NOT contains(${r}, 'e') AND NOT contains(${r}, 'E'))`;
      return `CASE WHEN ${fewDecimals} OR ${value} = ${read('DOUBLE')} THEN ${value} END`;
    }
    case 'boolean':
      // The usual spellings as they are, then case and spaces for the others: lower(trim()) on every row
      // took 75 ms of 2M flights, the match as written 13 ms.
      return `CASE ${r} WHEN 'true' THEN true WHEN 'false' THEN false WHEN 't' THEN true WHEN 'f' THEN false WHEN '1' THEN true WHEN '0' THEN false ELSE CASE lower(${trimmed(r)}) WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN '1' THEN true
        WHEN 'false' THEN false WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN '0' THEN false END END`;
    case 'date':
      if (spec.format) return `CAST(coalesce(${withFormats(r, spec.format)}, ${isoDate(r, false)}) AS DATE)`;
      return fourDigitYear(`coalesce(TRY_CAST(${r} AS DATE), CAST(try_strptime(${dateText(r)}, ${formatList(DATE_FORMATS)}) AS DATE))`, 'DATE');
    case 'timestamp': {
      // Unix time: plain digits only (or pandas' `1700000000.0`), as an integer column reads them.
      const epoch = epochOf(spec.format);
      if (epoch) return epochInstant(integerExpr(r, undefined, false), epoch);
      // A zone after the time (`10:23:45 AM GMT+1`), where the value as written fails: its time read the same way, the offset taken off.
      const asWritten = (v: string) => (spec.format ? `coalesce(${withFormats(v, spec.format)}, ${isoDate(v, true)})` : `coalesce(TRY_CAST(${v} AS TIMESTAMP), try_strptime(${dateText(v)}, ${formatList(TIMESTAMP_FORMATS)}))`);
      const usual = `coalesce(${asWritten(r)}, ${zonedInstant(r, asWritten)})`;
      if (spec.format) return usual;
      // The TIMESTAMP cast reads "2024-01-05T11:30:00+02:00" as 11:30, dropping the offset: a value with
      // an offset after its time is the instant in UTC (09:30). The pattern is matched only on a value
      // longer than "YYYY-MM-DD hh:mm:ss" with a "+", or a "-" after a ":": on every row it cost 0.45 s
      // of 10M; on every value with fractional seconds, 0.13–0.2 s of CPU per 2M, the test before it
      // 0.05 s. (DuckDB's cast wants the offset right after the time: a space before it is dropped.)
      const mayHaveOffset = `strlen(${r}) > 19 AND (contains(${r}, '+') OR ${r} LIKE '%:%-%')`;
      return fourDigitYear(`CASE WHEN ${mayHaveOffset} AND ${endsWithOffset(r)} THEN ${utcInstant(r)} ELSE ${usual} END`, 'TIMESTAMP');
    }
    case 'text': {
      if (!spec.allowed) return trimmedText;
      const cases = spec.allowed.map((c) => `WHEN ${str(normalizeKey(c))} THEN ${str(c)}`).join(' ');
      // A value spelled as declared (nearly all) is taken as it is; case and inner spacing are
      // normalised only for the others.
      return `CASE WHEN ${oneOf(trimmedText, spec.allowed)} THEN ${trimmedText} ELSE CASE lower(${trimmedText}) ${cases} ELSE CASE lower(regexp_replace(${trimmedText}, '\\s+', ' ', 'g')) ${cases} ELSE ${trimmedText} END END END`;
    }
  }
}

/**
 * Text `r` as an integer; with `negatives`, an accounting negative too (`(12)`, `12-`: see
 * accountingNegative), read as `-12` where every other reading failed.
 */
export function integerExpr(r: string, decimalSeparator: DecimalSeparator | undefined, negatives = true): string {
  // DuckDB's cast rounds "3.5" to 4 and reads "1e3", "0x10", "1_000": only digits are an integer here.
  // A value that prints back as its text is plain digits; the pattern is matched only on the others
  // ("+5", "007", " 12 "), which saves a regular expression on nearly every row.
  const value = `TRY_CAST(${r} AS BIGINT)`;
  // A non-breaking space around the digits (copied from a web page or a spreadsheet) fails the cast:
  // trimmed (trim removes Unicode spaces), where the cast failed and only there.
  // Thousands grouped as the dataset's declared separator groups them: `990 157` (a non-breaking space, INSEE's) or `1.234` with decimal commas, `1,234` with a declared decimal point.
  const grouping = decimalSeparator === ',' ? ['[+-]?[0-9]{1,3}([. \u00a0\u202f][0-9]{3})+', '[. \u00a0\u202f]'] : decimalSeparator === '.' ? ['[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+', ','] : undefined;
  const grouped = grouping ? ` WHEN regexp_full_match(trim(${r}), '${grouping[0]}') THEN TRY_CAST(regexp_replace(trim(${r}), '${grouping[1]}', '', 'g') AS BIGINT)` : '';
  return `CASE WHEN ${value} IS NULL THEN (CASE WHEN ${unicodeSpaced(r)} AND regexp_full_match(${unicodeTrimmed(r)}, '[+-]?[0-9]+') THEN TRY_CAST(${unicodeTrimmed(r)} AS BIGINT)${grouped}${negatives ? ` ELSE ${readAsNegative(r, (n) => integerExpr(n, decimalSeparator, false))}` : ''} END) WHEN CAST(${value} AS VARCHAR) = ${r} THEN ${value} WHEN regexp_full_match(${r}, '\\s*[+-]?[0-9]+\\s*') THEN ${value}${grouped}${floatWrittenInteger(r, value, decimalSeparator)} END`;
}

/** An ISO day (and time, in a timestamp column), read where a column's declared formats fail: never ambiguous, what an export switching format turns to. */
function isoDate(r: string, time: boolean): string {
  return `CASE WHEN regexp_full_match(${dateText(r)}, '[0-9]{4}-[0-9]{2}-[0-9]{2}${time ? '([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?' : ''}') THEN TRY_CAST(${dateText(r)} AS TIMESTAMP) END`;
}

/**
 * A date or timestamp read without a declared format, before the year 1000 refused: DuckDB's cast and
 * %Y read the two-digit year of "24-01-05" or "05/01/24" as the year 24. (A format with %y reads them.)
 * The comparison cost nothing measurable on 10M timestamps.
 */
function fourDigitYear(value: string, type: 'DATE' | 'TIMESTAMP'): string {
  return `CASE WHEN ${value} >= ${type} '1000-01-01' THEN ${value} END`;
}

/**
 * `r` read with a column's formats, as a TIMESTAMP, a year of %Y written with four digits. DuckDB's %Y
 * takes one to four: "01/15/24" read with %m/%d/%Y would be the year 24, kept without a word. A year
 * before 1000 read so is refused (as init refuses it), each format then tried alone so that a later %y
 * format still reads the value. One comparison on the values read; the formats again only on the few
 * read before 1000.
 */
function withFormats(r: string, formats: readonly string[]): string {
  const read = readWith(r, formats);
  if (!formats.some((f) => f.includes('%Y'))) return read;
  const oneByOne = formats.map((f) => (f.includes('%Y') ? `CASE WHEN year(${readWith(r, [f])}) >= 1000 THEN ${readWith(r, [f])} END` : readWith(r, [f])));
  return `CASE WHEN year(${read}) < 1000 THEN ${formats.length === 1 ? 'NULL' : `coalesce(${oneByOne.join(', ')})`} ELSE ${read} END`;
}

/**
 * A format with %z or %Z gives an instant, stored as UTC whatever DuckDB's session time zone; the
 * others are read as written. (Given together to try_strptime, a %z format would make every value an
 * instant, those without an offset in the machine's time zone.)
 */
export function readWith(r: string, formats: readonly string[]): string {
  const zoned = formats.filter((f) => /%[zZ]/.test(f));
  const plain = formats.filter((f) => !/%[zZ]/.test(f));
  const reads = [...(plain.length ? [`CAST(${strptime(r, plain)} AS TIMESTAMP)`] : []), ...(zoned.length ? [`timezone('UTC', ${strptime(r, zoned)})`] : [])];
  return reads.length === 1 ? reads[0]! : `coalesce(${reads.join(', ')})`;
}

/**
 * A declared format matched on the field as it is, trimmed (and its no-break spaces made plain: see
 * dateText) only where trim could change it (trimming every date cost 40 % of its parse).
 */
function strptime(r: string, formats: readonly string[]): string {
  return `coalesce(try_strptime(${r}, ${formatList(formats)}), CASE WHEN ${trimCouldChange(r)} THEN try_strptime(${dateText(r)}, ${formatList(formats)}) END)`;
}

/** Internal column names: user columns cannot start with `_`, so these never collide with them. */
export const raw = (c: string) => id(`_r_${c}`);
export const text = (c: string) => id(`_t_${c}`);
export const missingCol = (c: string) => id(`_m_${c}`);

/**
 * Where a column's SQL finds its values: the column's own columns (columnRefs), or one element of the
 * lists a run of columns read alike is judged in (column-runs.ts), the same SQL then for each column.
 */
export interface ColumnRefs {
  raw: string;
  typed: string;
  missing: string;
  text: string;
  /** A text holding the column's name, as SQL: `named('x ', ' y')` is 'x <name> y'. */
  named(before: string, after?: string): string;
}

export const columnRefs = (name: string): ColumnRefs => ({ raw: raw(name), typed: id(name), missing: missingCol(name), text: text(name), named: (before, after = '') => str(`${before}${name}${after}`) });

/** True when raw column `r` holds nothing but spaces (tabs) or a null spelling (looked at only where the typed value is null). */
export function missingExpr(name: string, spec: ColumnSpec, nullSpellings: readonly string[] = [], refs = columnRefs(name)): string {
  if (spec.type === 'text') return `${refs.text} IS NULL`;
  return `CASE WHEN ${refs.typed} IS NOT NULL THEN false ELSE ${isMissingSpelling(`coalesce(${trimmed(refs.raw)}, '')`, nullSpellings)} END`;
}

export function normalizeKey(value: string): string {
  return value.toLowerCase().replace(/\s+/g, ' ').trim();
}


/** A rule checked on each row: SQL over the typed (`<col>`), raw (`_r_<col>`) and missing (`_m_<col>`) columns. */
export interface RowRule {
  rule: string;
  column: string;
  severity: Severity;
  /** Quarantine reason, e.g. "missing_value:pays". */
  code: string;
  /** `code` as SQL, where it is not the literal: a run's, naming each of its columns (column-runs.ts). */
  codeSql?: string;
  fails: string;
  detail: string;
}

/** The built-in rules (required, type) then the declared ones, in the order a row is judged. */
export function rowRules(spec: DatasetSpec, settings: Record<string, number>, today: string): RowRule[] {
  const rules: RowRule[] = Object.entries(spec.columns).flatMap(([name, col]) => builtinRules(spec, name, col));
  const value = (name: string) => `coalesce(trim(${raw(name)}), CAST(${id(name)} AS VARCHAR))`;
  for (const r of spec.rules) {
    if (!('column' in r)) continue; // dataset rules are checked after the merge (merge.ts)
    const c = id(r.column);
    const base = { rule: r.rule, column: r.column, severity: r.severity };
    if (r.rule === 'positive') {
      rules.push({ ...base, code: `not_positive:${r.column}`, fails: `${c} <= 0`, detail: `${str(`${r.column} `)} || ${value(r.column)} || ' is not greater than 0'` });
    } else if (r.rule === 'maximum') {
      const max = (r.setting && settings[r.setting]) ?? r.max;
      rules.push({ ...base, code: `above_maximum:${r.column}`, fails: `${c} > ${max}`, detail: `${str(`${r.column} `)} || ${value(r.column)} || ${str(` is above the maximum ${max}`)}` });
    } else if (r.rule === 'allowed_values') {
      const values = r.values ?? spec.columns[r.column]?.allowed ?? [];
      rules.push({ ...base, code: `not_allowed:${r.column}`, fails: `NOT ${oneOf(c, values)}`, detail: `${str(`${r.column} "`)} || ${value(r.column)} || ${str(`" is not one of the known values`)}` });
    } else {
      const lower = r.notBefore ? `CAST(${c} AS DATE) < DATE ${str(r.notBefore)}` : '';
      const upper = r.notInFuture ? `CAST(${c} AS DATE) > DATE ${str(today)}` : '';
      const bounds = [r.notBefore ? `before ${r.notBefore}` : '', r.notInFuture ? 'in the future' : ''].filter(Boolean).join(' or ');
      if (!lower && !upper) continue;
      rules.push({
        ...base,
        code: `implausible_date:${r.column}`,
        fails: `(${[lower, upper].filter(Boolean).join(' OR ')})`,
        detail: `${str(`${r.column} `)} || ${value(r.column)} || ${str(` is ${bounds}`)}`,
      });
    }
  }
  return rules;
}

/** The reason code of a row repeating a key: `duplicate_key:id_achat`, `duplicate_key:carrier+flight+date`. */
export const duplicateKeyCode = (spec: DatasetSpec) => `duplicate_key:${spec.key.join('+')}`;
