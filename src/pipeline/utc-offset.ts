import { sqlString as str } from '../engine/duckdb.js';

/**
 * Timestamps written with their time zone's offset from UTC, read as the instant in UTC: silver
 * (row-rules.ts) and init (infer.ts) know these spellings here only.
 */

/** A time followed by a UTC offset: `11:30:00+02:00`, `11:30:00.5-0500`, `11:30:00 +02`. */
const UTC_OFFSET = '\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?\\s*[+-]\\d\\d(:?\\d\\d)?\\s*$';

/**
 * A time (with its seconds, fraction, AM or PM) followed by a zone: `GMT`, `GMT+1`, `GMT-5`, `GMT+5:30`
 * (Google Forms' and Sheets' `2024/01/15 10:23:45 AM GMT+1`), `UTC`, `UTC+2`, `Z`, or an offset alone
 * (`-0500`). The time before it is the group `local`, read with the column's own reading (its strptime
 * formats), so that no format is needed per zone. Offsets up to 18 hours, as ISO 8601 allows: `GMT+25`
 * is no zone, and its value is quarantined.
 */
const ZONE =
  '^\\s*(.*[0-9]:[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?(?:\\s*[AaPp]\\.?[Mm]\\.?)?)\\s*(?:Z|GMT|UTC|(?:GMT|UTC)?([+-])(1[0-8]|0?[0-9])(?::?([0-5][0-9]))?)\\s*$';

/** A timestamp with a UTC offset after its time (`2024-03-11 15:37:00 -0500`, a space before it too) as the instant in UTC. */
export function utcInstant(r: string): string {
  return `timezone('UTC', TRY_CAST(regexp_replace(trim(${r}), '\\s+([+-][0-9:]+)$', '\\1') AS TIMESTAMPTZ))`;
}

/** Whether `r` ends with an offset DuckDB's TIMESTAMPTZ cast reads (utcInstant). */
export const endsWithOffset = (r: string) => `regexp_matches(${r}, ${str(UTC_OFFSET)})`;

/**
 * `r`, a time followed by a zone (ZONE), as the instant in UTC: its time read by `read` (SQL of a
 * TIMESTAMP from the text given), the offset taken off (GMT+1 is an hour ahead of UTC). NULL for a
 * value without a zone, or whose time `read` does not read. Asked only where the reading as written
 * failed: DuckDB's cast reads `…Z` and `… UTC` as written, which is right, and fails on the others.
 */
export function zonedInstant(r: string, read: (local: string) => string): string {
  // Each part extracted once per value (a lambda binds them: see typedExpr's unit).
  const parts = `regexp_extract(${r}, ${str(ZONE)}, ['local', 'sign', 'hours', 'minutes'])`;
  const minutes = `(coalesce(TRY_CAST(_z.hours AS INTEGER), 0) * 60 + coalesce(TRY_CAST(_z.minutes AS INTEGER), 0))`;
  return `list_transform([${parts}], lambda _z: CASE WHEN _z.local <> '' THEN ${read('_z.local')} - to_minutes(CASE WHEN _z.sign = '-' THEN -${minutes} ELSE ${minutes} END) END)[1]`;
}

/**
 * `r` read with strptime format `f`, as init tries a column's formats; a timestamp format on its time
 * without a zone after it too (ZONE), as silver reads it. The zone is sought only where the value as
 * written fails; a date's format never reads a time, and is not tried so.
 */
export const strptimeZoned = (r: string, f: string, timestamp: boolean) =>
  timestamp ? `coalesce(try_strptime(${r}, ${str(f)}), try_strptime(nullif(regexp_extract(${r}, ${str(ZONE)}, 1), ''), ${str(f)}))` : `try_strptime(${r}, ${str(f)})`;

/**
 * `r` as silver reads a timestamp with a UTC offset or zone and no format (see typedExpr), NULL for a
 * value without one: what init tests. (A time not in ISO form gets a format, tried on zoneLocal.)
 */
export function offsetTimestamp(r: string): string {
  return `CASE WHEN ${endsWithOffset(r)} THEN ${utcInstant(r)} ELSE ${zonedInstant(r, (local) => `TRY_CAST(${local} AS TIMESTAMP)`)} END`;
}
