import type { InferredColumn, InferredCsv } from './inferred.js';
import { ID_LIKE } from './infer-spellings.js';
import { isRowNumber, keyOf } from './init-yaml.js';
import { amountNamed } from './infer-names.js';
import { headerPeriods } from './period-headers.js';

/** The figures the starter KPI (starter-kpi.ts) draws, sums or averages, and how. */

/** Not a measure though numbers: coordinates, periods (`year`), places in a ranking (Spotify's `peak_rank`), and ids written without an underscore (`customerid`; `amount_paid` is one). */
const NOT_MEASURE = /(^|_)(lat|latitude|lon|lng|long|longitude|year|yr|month|quarter|week|day|hour|minute|rank|ranking|position)($|_)|(?<!pa)id$/;
/** A column named after a year (the World Bank's `c_2022`): of several as full, the latest is the one to show. */
const YEAR_NAME = /(?:^|_)((?:19|20)\d\d)$/;
/** Names of amounts whose sum per period means something: sales, quantities, revenue, costs (in English, French, German, Spanish). */
const SUMMABLE = /(^|_)(sales|amount|amt|qty|quantity|units|revenue|turnover|total|cost|costs|spend|profit|volume|montant|ca|quantite|betrag|menge|umsatz|importe|cantidad|ventas)($|_)/;
/** The close of a quote, in the order preferred: Yahoo Finance's `Close` then `Adj Close`, Nasdaq's `Close/Last`, Investing.com's `Price`. */
const CLOSE = ['close', 'adj_close', 'adjusted_close', 'close_last', 'price'];

export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** Values other than a spelling of missing (`.` in FRED's column of numbers). */
export const valuesOf = (c: InferredColumn) => c.distinct - (c.nullValues?.length ?? 0);

/**
 * The measure to draw: a number that is no key, id, code, coordinate or period, of two values at least.
 * Of several, a quote's close (CLOSE) beside its open, else those of nearly as many values as the most (a figure that
 * varies, not a 0/1 flag; a year nearly as full as the fullest), then the latest period's where they are named after
 * periods (the World Bank's years, JHU's days, Zillow's months: period-headers.ts), else the first.
 */
export function measureOf(csv: InferredCsv): InferredColumn | undefined {
  const numbers = measures(csv);
  // A quote's close over its open, the first of its figures (Yahoo Finance's `Date,Open,High,Low,Close,Adj Close,Volume`).
  const close = csv.columns.some((c) => c.name === 'open') ? CLOSE.map((name) => numbers.find((c) => c.name === name)).find(Boolean) : undefined;
  if (close) return close;
  const most = Math.max(0, ...numbers.map(valuesOf));
  const periods = headerPeriods(csv.columns);
  const time = (c: InferredColumn) => periods.get(c.name) ?? Number(YEAR_NAME.exec(c.name)?.[1] ?? 0) * 10000;
  return numbers.filter((c) => valuesOf(c) >= most * 0.9).reduce<InferredColumn | undefined>((best, c) => (!best || time(c) > time(best) ? c : best), undefined);
}

/** Numbers that are no key, id, code, coordinate or period, of two values at least. */
export function measures(csv: InferredCsv): InferredColumn[] {
  const key = [...keyOf(csv), ...(csv.pairKey ?? [])];
  return csv.columns.filter((c) => (c.type === 'integer' || c.type === 'number' || c.type === 'decimal') && !key.includes(c.name) && !ID_LIKE.test(c.name) && !NOT_MEASURE.test(c.name) && !isRowNumber(c) && valuesOf(c) >= 2);
}

/** A decimal read as a double: a KPI's number, whatever its scale. */
export const measureSql = (c: InferredColumn) => (c.type === 'decimal' ? `${q(c.name)}::DOUBLE AS ${q(c.name)}` : q(c.name));

/**
 * The digits after the point of a column's values, 4 at most (past that, a measurement): a double's sum
 * of fares of cents would show 37822.389999999956 where 37822.39 is meant. None for the sum of integers,
 * decimals or whole doubles, which is exact; 0 for an integer's mean.
 */
function decimalsOf(c: InferredColumn, forMean: boolean): number | undefined {
  const k = c.type === 'number' ? c.decimals : c.type === 'decimal' ? (forMean ? c.scale : undefined) : forMean ? 0 : undefined;
  return k !== undefined && k <= 4 && (forMean || k > 0) ? k : undefined;
}

/** The sum of a measure as a double, rounded to its values' decimals (decimalsOf). */
export function sumSql(c: InferredColumn): string {
  const k = decimalsOf(c, false);
  return k === undefined ? `sum(${q(c.name)})::DOUBLE` : `round(sum(${q(c.name)}), ${k})::DOUBLE`;
}

/** The mean of a measure, rounded to two decimals more than its values have (decimalsOf). */
export function meanSql(c: InferredColumn): string {
  const k = decimalsOf(c, true);
  return k === undefined ? `avg(${q(c.name)})` : `round(avg(${q(c.name)}), ${k + 2})`;
}

/** Of amounts, what their sum per period is read for, a total first: not a part of it (a fee, a tax, a discount), nor a price or a balance, which add up to nothing. */
const AMOUNT_PART = /(^|_)(discount|discounts|shipping|postage|tax|taxes|vat|fee|fees|tip|tips|gratuity|refund|refunds|refunded)($|_)/;
const AMOUNT_WHOLE = /(^|_)(total|amount|amt|gross|revenue|montant|betrag|importe|umsatz)($|_)/;
const NOT_SUMMED = /(^|_)(price|prices|prix|preis|prezzo|balance|saldo)($|_)/;

/** The amount named as money to sum: of those of half as many values as the most varied (not a refund's few), a total before a net, a net before a fee. */
export function amountOf(csv: InferredCsv): InferredColumn | undefined {
  const amounts = measures(csv).filter((c) => amountNamed(c.name) && !NOT_SUMMED.test(c.name));
  const most = Math.max(0, ...amounts.map(valuesOf));
  const rank = (c: InferredColumn) => (AMOUNT_PART.test(c.name) ? 2 : AMOUNT_WHOLE.test(c.name) ? 0 : 1);
  return amounts.filter((c) => valuesOf(c) * 2 >= most).sort((a, b) => rank(a) - rank(b))[0];
}

/** The measure, when it is named as an amount that adds up (sales, a quantity, revenue), not a reading (a temperature, a duration). */
export function summable(csv: InferredCsv): InferredColumn | undefined {
  const measure = measureOf(csv);
  return measure && SUMMABLE.test(measure.name) ? measure : undefined;
}
