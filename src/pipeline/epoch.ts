import { closest } from '../project/closest.js';

/**
 * Instants written as a count since 1970-01-01 00:00 UTC (Unix time): Reddit dumps' `created_utc`, logs'
 * and sensors' `ts`, APIs' `created_at`. A timestamp column declares them with `format: unix_seconds` or
 * `format: unix_milliseconds`, keywords rather than strptime formats: DuckDB's strptime has no `%s`.
 * This is the one place that knows them: the schema checks a format against them, silver reads by
 * them (row-rules.ts), init declares them (infer.ts).
 */
const UNITS = {
  unix_seconds: { perSecond: 1, said: 'seconds' },
  unix_milliseconds: { perSecond: 1000, said: 'milliseconds' },
} as const;

export type EpochFormat = keyof typeof UNITS;
export const EPOCH_FORMATS = Object.keys(UNITS) as EpochFormat[];

export const isEpochFormat = (format: string | undefined): format is EpochFormat => format !== undefined && Object.hasOwn(UNITS, format);

/** A column's Unix time format: its only one (the schema refuses one among others). */
export const epochOf = (formats: readonly string[] | undefined): EpochFormat | undefined => (formats?.length === 1 && isEpochFormat(formats[0]) ? formats[0] : undefined);

/** How init's comments and silver's reasons say it: `seconds since 1970, UTC`. */
export const epochSaid = (format: EpochFormat) => `${UNITS[format].said} since 1970, UTC`;

/**
 * Instants silver reads, in seconds: 1900-01-01 to 2200-01-01 (exclusive). Wider than any machine's
 * clock writes, narrow enough that milliseconds declared as seconds (some 50,000 years on) are refused
 * rather than stored, and that DuckDB never fails the run on a timestamp out of its range.
 */
const READ_SPAN = [Date.UTC(1900, 0, 1) / 1000, Date.UTC(2200, 0, 1) / 1000] as const;
/** Instants init takes a time-named column of integers for, in seconds: 2000-01-01 to 2100-01-01 (exclusive). */
const INFER_SPAN = [Date.UTC(2000, 0, 1) / 1000, Date.UTC(2100, 0, 1) / 1000] as const;

/** The years of a span, as said: `2000 to 2099`. */
const years = ([from, to]: readonly [number, number]) => `${new Date(from * 1000).getUTCFullYear()} to ${new Date(to * 1000).getUTCFullYear() - 1}`;
/** The years init takes integers for Unix time in, as said. */
export const INFERRED_YEARS = years(INFER_SPAN);

const within = (n: string, format: EpochFormat, [from, to]: readonly [number, number]) => `${n} >= ${from * UNITS[format].perSecond} AND ${n} < ${to * UNITS[format].perSecond}`;

/**
 * SQL: integer `n` (a BIGINT, read once: bound by a lambda) as the TIMESTAMP of its instant in UTC, the
 * way silver stores a timestamp written with a UTC offset; NULL out of READ_SPAN, a reason to quarantine.
 */
export function epochInstant(n: string, format: EpochFormat): string {
  const instant = format === 'unix_seconds' ? `timezone('UTC', to_timestamp(_e))` : 'epoch_ms(_e)';
  return `list_transform([${n}], lambda _e: CASE WHEN ${within('_e', format, READ_SPAN)} THEN ${instant} END)[1]`;
}

/** Said after an integer silver did not read as an instant (outside READ_SPAN): why, and the other unit. */
export function outOfSpan(format: EpochFormat): string {
  const other = format === 'unix_seconds' ? 'unix_milliseconds' : 'unix_seconds';
  return ` (outside the years ${years(READ_SPAN)}: if the column writes ${UNITS[other].said}, declare format: ${other})`;
}

/** init's tests, one per format: SQL counting the values `v` (integers, tested apart) out of INFER_SPAN as it. */
export function epochTests(v: string, fails: (test: string) => string): { name: EpochFormat; sql: string }[] {
  return EPOCH_FORMATS.map((format) => ({ name: format, sql: fails(`CASE WHEN ${within(`TRY_CAST(${v} AS BIGINT)`, format, INFER_SPAN)} THEN true END`) }));
}

/** Why a declared format is refused, or undefined: neither strptime (a `%` before each field) nor a keyword, or a keyword among other formats. */
export function formatProblem(format: string, formats: number): string | undefined {
  if (isEpochFormat(format)) return formats > 1 ? `${format} reads a column alone: write format: ${format}, without other formats` : undefined;
  // What a user reaching for Unix time writes first (Python's and C's strftime know it).
  if (format.includes('%s')) return `DuckDB's strptime has no %s: for seconds since 1970, write format: unix_seconds (unix_milliseconds for milliseconds)`;
  if (format.includes('%')) return unknownSpecifier(format);
  const close = closest(format, EPOCH_FORMATS);
  return `neither a strptime format (a % before each field, e.g. "%m/%d/%Y") nor one of ${EPOCH_FORMATS.join(', ')} (Unix time)${close ? ` (did you mean "${close}"?)` : ''}`;
}

/** What DuckDB's strptime reads (asked of DuckDB 1.x, letter by letter): another makes every read of the column fail at run time. */
const STRPTIME_SPECIFIERS = ['%a', '%A', '%b', '%B', '%c', '%d', '%-d', '%f', '%g', '%G', '%h', '%H', '%-H', '%I', '%-I', '%j', '%-j', '%m', '%-m', '%M', '%-M', '%n', '%p', '%S', '%-S', '%T', '%u', '%U', '%V', '%w', '%W', '%x', '%X', '%y', '%-y', '%Y', '%z', '%Z', '%%'];

/** The first specifier of a format that DuckDB's strptime has not (`%D`, `%e`), said with the one meant. */
function unknownSpecifier(format: string): string | undefined {
  for (const [spec] of format.matchAll(/%-?./g)) {
    if (STRPTIME_SPECIFIERS.includes(spec)) continue;
    const meant = STRPTIME_SPECIFIERS.find((s) => s.toLowerCase() === spec.toLowerCase() && s !== spec) ?? (spec === '%e' ? '%-d' : undefined);
    return `DuckDB's strptime has no ${spec}${meant ? ` (did you mean ${meant}?)` : ''}: its fields are ${STRPTIME_SPECIFIERS.join(' ')}`;
  }
  return undefined;
}
