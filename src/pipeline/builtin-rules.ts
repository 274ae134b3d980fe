import { sqlString as str } from '../engine/duckdb.js';
import type { ColumnSpec, DatasetSpec } from '../project/types.js';
import { numberHints, spaceGrouped } from './number-reading.js';
import { FLAGGING_MARKS, hasFlag } from './number-flags.js';
import { epochOf, epochSaid, outOfSpan } from './epoch.js';
import { columnRefs, integerExpr, readWith, typedExpr, type RowRule } from './row-rules.js';

/** The built-in rules of a column (required, its type), each type's reason code; its hints, for a value its type does not read. */

const TYPE_RULE: Record<ColumnSpec['type'], string | undefined> = {
  integer: 'invalid_integer',
  number: 'invalid_number',
  decimal: 'invalid_number',
  date: 'invalid_date',
  timestamp: 'invalid_date',
  boolean: 'invalid_boolean',
  text: undefined,
};

/** A column's built-in rules (required, type), in the order a row is judged, over its values `refs`. */
export function builtinRules(spec: DatasetSpec, name: string, col: ColumnSpec, refs = columnRefs(name)): RowRule[] {
  const rules: RowRule[] = [];
  if (col.required) rules.push({ rule: 'required', column: name, severity: 'error', code: `missing_value:${name}`, codeSql: refs.named('missing_value:'), fails: refs.missing, detail: refs.named('', ' is missing') });
  const typeRule = TYPE_RULE[col.type];
  if (!typeRule) return rules;
  const r = refs.raw;
  const epoch = epochOf(col.format);
  const precisions = [...(epoch ? [epochSaid(epoch)] : col.format ? [col.format.join(' or ')] : []), ...(col.unit !== undefined ? [`in ${col.unit}`] : []), ...(col.magnitudes ? ['K, M, B or T after it for thousands, millions, billions, trillions'] : [])];
  const expected = precisions.length ? `${col.type} (${precisions.join(', ')})` : col.type;
  // A number of more decimals than a decimal column's scale: said, since it reads as a number.
  const asNumber = typedExpr(r, { ...col, type: 'number' }, r, spec.decimalSeparator);
  const scale = col.scale ?? 2;
  const scaleHint = col.type === 'decimal' ? ` WHEN abs(${asNumber}) >= 1e${18 - scale} THEN ${str(` (too large for a decimal of scale ${scale}: type number holds it)`)} WHEN ${asNumber} IS NOT NULL THEN ${str(` (more than ${scale} decimals: declare a larger scale, or type number)`)}` : '';
  // A currency or percent sign in a number of a column declared without it, commas grouping thousands in a
  // dataset without a decimal separator: the option that reads it, named.
  const numeric = col.type === 'integer' || col.type === 'number' || col.type === 'decimal';
  const unitHint = numeric ? ` WHEN regexp_matches(${r}, '[0-9]') THEN ${numberHints(r, col.unit, spec.decimalSeparator)}` : '';
  // An identifier typed from digits alone until a later file's letters (Online Retail's cancelled `C536379`).
  const idHint = col.type === 'integer' ? ` WHEN regexp_full_match(trim(${r}), '[A-Za-z]{1,4}[-_]?[0-9]+') THEN ${refs.named(' (letters before its digits: if ', ` is an identifier, declare it type: text in datasets/${spec.name}.yml)`)}` : '';
  // Thousands grouped by spaces, no-break ones as INSEE and French Excel write them (`652\u00a0432`): read once the dataset declares decimal commas.
  const spaceHint = numeric && spec.decimalSeparator === undefined ? ` WHEN ${spaceGrouped(r, col.type !== 'integer')} THEN ' (its ' || CASE WHEN regexp_matches(${r}, '[\u00a0\u202f]') THEN 'non-breaking ' ELSE '' END || ${str('spaces group thousands: if no number of the dataset has a decimal point, declare decimal_separator: "," in the dataset to read it)')}` : '';
  // A flag after a figure (`"20,799.0 r"`) in a column of an office's marks declared without flags (a definition written before init declared them).
  const flagHint = numeric && !col.flags && col.nullValues?.some((v) => FLAGGING_MARKS.includes(v)) ? ` WHEN ${hasFlag(r)} THEN ${str(' (a flag after the figure, as statistics offices mark a revised or estimated one: declare flags: true on the column to read it)')}` : '';
  // An integer not read as an instant is out of the years read: milliseconds declared as seconds?
  const epochHint = epoch ? ` WHEN ${integerExpr(r, undefined, false)} IS NOT NULL THEN ${str(outOfSpan(epoch))}` : '';
  // A year of two digits where the format says %Y (which reads four): the formats that read both, named.
  const twoDigits = !epoch && col.format?.some((f) => f.includes('%Y')) ? col.format.map((f) => f.replaceAll('%Y', '%y')) : undefined;
  const yearHint = twoDigits ? ` WHEN ${readWith(r, twoDigits)} IS NOT NULL THEN ${str(` (a two-digit year, where %Y reads four digits: to read both, declare format: [${[...col.format!, ...twoDigits.filter((f) => !col.format!.includes(f))].map((f) => JSON.stringify(f)).join(', ')}])`)}` : '';
  rules.push({
    rule: 'type',
    column: name,
    severity: 'error',
    code: `${typeRule}:${name}`,
    codeSql: refs.named(`${typeRule}:`),
    fails: `NOT ${refs.missing} AND ${refs.typed} IS NULL`,
    // A non-breaking space is invisible in the value shown: said in words.
    detail: `${refs.named('', ' "')} || trim(${r}) || ${str(`" is not a valid ${expected}`)} || CASE${spaceHint} WHEN regexp_matches(${r}, '[\u00a0\u202f]') THEN ' (it holds a non-breaking space)'${flagHint}${scaleHint}${idHint}${unitHint}${epochHint}${yearHint} ELSE '' END`,
  });
  return rules;
}
