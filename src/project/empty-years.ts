import type { InferredColumn } from './inferred.js';

/** A header that is a year (`2023`), as a wide table of one column per year writes them (the World Bank's, Eurostat's). */
const YEAR_HEADER = /^\s*(18|19|20|21)\d{2}\s*$/;
/** Year columns with figures, at least, that make the empty one's type plain. */
const MIN_SIBLINGS = 3;

/**
 * A year's column empty in every row of a wide table (the World Bank's `2023` before its figures are
 * out) takes the type of the table's other years when they all have figures of one kind: as text, the
 * download that fills it would load its figures as text, and a KPI summing it would fail `check`.
 * Returns the columns so typed.
 */
export function typeEmptyYears(columns: InferredColumn[]): InferredColumn[] {
  const years = columns.filter((c) => YEAR_HEADER.test(c.header));
  const filled = years.filter((c) => c.distinct > 0);
  if (filled.length < MIN_SIBLINGS || !filled.every((c) => c.type === 'integer' || c.type === 'number' || c.type === 'decimal')) return [];
  const type = filled.every((c) => c.type === 'integer') ? 'integer' : 'number';
  const typed: InferredColumn[] = [];
  for (const c of years) {
    if (c.distinct !== 0 || c.type !== 'text') continue;
    c.type = type;
    c.emptyYear = true;
    typed.push(c);
  }
  return typed;
}
