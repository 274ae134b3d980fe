import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { aggregate, type Rows } from './infer-sql.js';

/**
 * Of the columns whose every value reads as a boolean (`bool_<i>` of `row`: none failing), those of one letter
 * only: no boolean ("N" for north, "F" for female), which needs both answers, or words. Asked of those columns
 * only (a distinct count on every column cost a second of 3M rows); their counts land in `row`. `value(i)`: column
 * i's value as typed, `c<i>` its field.
 */
export async function oneLetterAnswers(engine: Engine, columns: number, row: Record<string, unknown>, value: (i: number) => string, source: Rows): Promise<(i: number) => boolean> {
  const booleans = Array.from({ length: columns }, (_, i) => i).filter((i) => Number(row[`values_${i}`]) > 0 && Number(row[`bool_${i}`]) === 0);
  // Statistics Canada's `F` is a mark beside numbers, and a boolean's false beside `T`: counted here as a spelling.
  const spelled = (i: number) => `CASE WHEN ${id(`c${i}`)} = 'F' THEN 'F' ELSE ${value(i)} END`;
  // One spelling whatever the case: the lowest and the highest the same (no DISTINCT: a hash table per column, megabytes each).
  Object.assign(row, await aggregate(engine, booleans.flatMap((i) => [`bool_and(length(${spelled(i)}) = 1) AS ${id(`letters_${i}`)}`, `min(lower(${spelled(i)})) = max(lower(${spelled(i)})) AS ${id(`one_${i}`)}`, `min(${spelled(i)}) AS ${id(`lo_${i}`)}`, `max(${spelled(i)}) AS ${id(`hi_${i}`)}`]), source));
  // Unless it is PostgreSQL's `t` or `f` where another column of the file answers with both: Airbnb's `has_availability`,
  // `t` in every row, beside `instant_bookable`'s `t` and `f`. (Not `N` beside `Y` and `N`: north; nor `F`: female.)
  const letters = (i: number) => (row[`letters_${i}`] === true ? [String(row[`lo_${i}`]), String(row[`hi_${i}`])] : []);
  const postgres = booleans.some((i) => letters(i).join() === 'f,t');
  return (i) => letters(i).length > 0 && row[`one_${i}`] === true && !(postgres && letters(i).every((l) => l === 't' || l === 'f'));
}
