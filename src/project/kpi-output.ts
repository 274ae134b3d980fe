import { UserError } from '../errors.js';
import type { Kpi, KpiColumnType } from './types.js';

const DUCKDB_TYPES: Record<KpiColumnType, RegExp> = {
  string: /^VARCHAR$/,
  integer: /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/,
  number: /^(FLOAT|DOUBLE|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/,
  date: /^DATE$/,
};

/** What to write in the SQL so that a column comes out with its declared type. */
const CAST_HINT: Record<KpiColumnType, string> = { string: '::VARCHAR', integer: '::BIGINT', number: '::DOUBLE', date: '::DATE' };

/**
 * Compares a KPI's declared columns with what its SQL returns; the message names the KPI file and the
 * column (with `lineOf`, the line of its declaration).
 */
export function checkKpiOutput(kpi: Kpi, actual: { name: string; type: string }[], lineOf?: (column?: string) => number): void {
  const declared = Object.entries(kpi.columns);
  const where = (column?: string) => `kpis/${kpi.id}.yml${lineOf ? `:${lineOf(column)}` : ''}`;
  const actualNames = actual.map((c) => c.name);
  const declaredNames = declared.map(([n]) => n);
  if (actualNames.join(',') !== declaredNames.join(',')) {
    throw new UserError(
      `${where()}: its SQL returns columns (${actualNames.join(', ')}) but it declares (${declaredNames.join(', ')})`,
      'declare the columns in the order the SELECT returns them, with the same names (use AS to rename)',
    );
  }
  declared.forEach(([name, col], i) => {
    const type = actual[i]!.type;
    if (!DUCKDB_TYPES[col.type].test(type)) {
      throw new UserError(`${where(name)}: column "${name}" is declared ${col.type} but its SQL returns ${type}`, `cast it in the SELECT (e.g. ${name}${CAST_HINT[col.type]}), or declare its type as it is`);
    }
  });
}

/** The largest integer a JSON number (a double) holds exactly: 2^53 - 1. */
export const SAFE_INTEGER = 9007199254740991;

/**
 * Refuses a KPI whose integer column has a value beyond ±2^53 (`columns`: those that do), which the
 * API and the serving stores would round: the run fails before its commit, not serving a rounded number.
 */
export function checkSafeIntegers(kpi: Kpi, columns: string[]): void {
  const column = columns[0];
  if (column === undefined) return;
  throw new UserError(
    `kpis/${kpi.id}.yml: column "${column}" has a value beyond ±2^53 (${SAFE_INTEGER}), which a JSON number cannot hold exactly: the API would serve it rounded`,
    `declare it string and cast it in the SELECT (${column}::VARCHAR), or divide it (thousands, millions)`,
  );
}
