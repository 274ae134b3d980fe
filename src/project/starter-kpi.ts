import type { InferredColumn, InferredCsv } from './inferred.js';
import { RESERVED_PARAMETERS } from './load.js';
import { ID_LIKE, PERIOD_LIKE } from './infer-spellings.js';
import { isRowNumber, keyOf, yamlText } from './init-yaml.js';
import { personalOf } from './personal-names.js';
import { headerPeriods } from './period-headers.js';
import { amountOf, meanSql, measureOf, measureSql, q, sumSql, summable, valuesOf } from './starter-measures.js';

export { measureOf } from './starter-measures.js';

/**
 * The one KPI `init --from-csv` writes so that `run` and the dashboard show something at once. Chosen
 * from the types and counts inference found (no second read of the files), in this order, each tried
 * on every file before the next:
 * 1. a panel (a label and a period unique together, as OWID's `Entity,Year`): a measure per label in the
 *    latest period, the 20 largest (rows per label would be as many bars of one height);
 * 2. the sum per month of an amount named as money (orders, payments: Etsy's `Order Total`), over a date, but not in a series;
 * 3. a wide file's figures of its latest period per label (JHU's days, Zillow's months as columns), as 8;
 * 4. rows per value of a text column whose values repeat (a sex, a state, a category), but not in a
 *    series (a file without a key of its own, a date unique in it and a measure: a Google Analytics
 *    export's days), whose text columns, a weather's kind or a session's `00:01:53`, are details of each day;
 * 5. a measure over a date unique in the rows (FRED's `DATE,GDP`): a line of the series;
 * 6. rows per day or per month of a date or timestamp (events, orders), or the sum of a measure named as an amount that adds up (sales);
 * 7. rows per value of a boolean;
 * 8. a measure per label, a name unique in the rows first (the World Bank's countries and their latest year), the 20 largest;
 * 9. rows per value of a text column of more than 1,000 values that repeat;
 * 10. a count of rows.
 * A bar per unique value would be one row high each: never drawn; nor a bar per person (a column of personal data,
 * personal-names.ts), which a KPI would serve to every caller unmasked; nor a bar per value of a column most rows
 * leave empty (Letterboxd's `Tags`), or holding one value in nearly every row (Zillow's `RegionType`, msa but for the country).
 * Sums and means of a double are rounded to its values' decimals (starter-measures.ts).
 */

type Shape = { name: string; csv: InferredCsv };
type Starter = { id: string; yaml: string };

const NOTE = 'A starter KPI: edit it or add others beside it.';
/** Of more distinct days than this, a date is counted per month: a day's count would be a comb. */
const MAX_DAYS = 100;

const label = (c: InferredColumn) => yamlText(c.header.trim() || c.name);
const kpiId = (id: string) => id.slice(0, 60).replace(/_+$/, '');
const isDate = (c: InferredColumn) => c.type === 'date' || c.type === 'timestamp';

export function starterKpi(shapes: Shape[]): Starter {
  const tiers: ((s: Shape) => Starter | undefined)[] = [panel, moneyPerMonth, periodColumns, textGroup, series, rowsPerPeriod, booleanGroup, labelled, manyValues];
  for (const tier of tiers) {
    for (const s of shapes) {
      const kpi = tier(s);
      if (kpi) return kpi;
    }
  }
  const s = shapes[0]!;
  return {
    id: `${s.name}_rows`,
    yaml: [`title: ${yamlText(`${s.name}: rows`)}`, `description: ${yamlText(`Rows of ${s.name}.`)}`, 'sql: |', `  SELECT count(*) AS row_count FROM ${q(s.name)}`, 'columns:', '  row_count: { type: integer, label: Rows }', 'chart: { type: cards }', ''].join('\n'),
  };
}

/** Rows per value, the 20 most frequent: a text column's, or a boolean's as text. The rows without one left out: a bar of nulls tells nothing of the values. */
function groupKpi(s: Shape, col: InferredColumn, expr: string, which = 'the 20 most frequent'): Starter {
  const without = col.complete ? '' : ` (rows where ${col.name} is empty left out)`;
  return {
    id: kpiId(`${s.name}_by_${col.name}`),
    yaml: [
      `title: ${yamlText(`${s.name} by ${col.header.trim() || col.name}`)}`,
      `description: ${yamlText(`Rows of ${s.name} per ${col.name}, ${which}${without}. ${NOTE}`)}`,
      'sql: |',
      `  SELECT ${expr}, count(*) AS row_count`,
      // Quoted: a dataset may be called order or group.
      `  FROM ${q(s.name)}`,
      ...(col.complete ? [] : [`  WHERE ${q(col.name)} IS NOT NULL`]),
      '  GROUP BY ALL',
      `  ORDER BY row_count DESC, ${q(col.name)}`,
      '  LIMIT 20',
      'columns:',
      `  ${col.name}: { type: string, label: ${label(col)} }`,
      '  row_count: { type: integer, label: Rows }',
      `chart: { type: bar, x: ${col.name}, y: [row_count] }`,
      ...(RESERVED_PARAMETERS.includes(col.name) ? [] : [`filters: { ${col.name}: ${col.name} }`]),
      '',
    ].join('\n'),
  };
}

/**
 * Text columns of two values or more that may label bars: not pandas' row numbers, nor personal data (a buyer's `First Name`),
 * nor a column most rows leave empty (Letterboxd's `Tags`, La Poste's `Ligne_5`), nor one of a value in nearly every row.
 */
const labels = (csv: InferredCsv) => csv.columns.filter((c) => c.type === 'text' && c.distinct >= 2 && !isRowNumber(c) && !personalOf(c, csv) && filledMostly(c, csv) && !oneValue(c));
/** Filled in half the rows at least (known of inferred files; else taken as filled). */
const filledMostly = (c: InferredColumn, csv: InferredCsv) => c.complete || (c.filled ?? csv.rows) * 2 >= csv.rows;
/** A value in more than 95 rows of 100 it fills: its bar would be the only one. */
const oneValue = (c: InferredColumn) => c.top !== undefined && c.filled !== undefined && c.top.rows > c.filled * 0.95;

/**
 * A text column whose values repeat, in a few groups; of several, one of 50 values or fewer (a sex, a
 * class) over a name that repeats now and then, and one that every row fills over one some rows leave
 * empty (JHU's `Country/Region` over its `Province/State`; one most rows leave empty is none: labels).
 */
function textGroup(s: Shape): Starter | undefined {
  if (isSeries(s)) return undefined;
  const groups = labels(s.csv).filter((c) => !c.unique && c.distinct <= 1000 && c.distinct < s.csv.rows);
  const few = (c: InferredColumn) => c.distinct <= 50;
  // A kind of thing (Superstore's `Segment`) over an identifier that happens to repeat (its `Customer ID`).
  const named = [...groups.filter((c) => !ID_LIKE.test(c.name)), ...groups.filter((c) => ID_LIKE.test(c.name))];
  const col = named.find((c) => few(c) && c.complete) ?? named.find(few) ?? named.find((c) => c.complete) ?? named[0];
  return col && groupKpi(s, col, q(col.name));
}

/** The column a series is drawn over: a unique date or timestamp, else a unique period written as text (`2014Q1`). */
const seriesX = (csv: InferredCsv) => csv.columns.find((c) => isDate(c) && c.unique) ?? csv.columns.find((c) => c.period && c.unique);

/** Each row one date's figures: no key but that date (an order's id would make the date unique by chance), and a measure. */
function isSeries(s: Shape): boolean {
  const x = seriesX(s.csv);
  const key = keyOf(s.csv);
  return x !== undefined && (key.length === 0 || key.join() === x.name) && measureOf(s.csv) !== undefined;
}

/** A boolean of both values: rows per true and false. */
function booleanGroup(s: Shape): Starter | undefined {
  const col = s.csv.columns.find((c) => c.type === 'boolean' && valuesOf(c) >= 2);
  return col && groupKpi(s, col, `CAST(${q(col.name)} AS VARCHAR) AS ${q(col.name)}`, 'true and false');
}

/** A text column of many values (past 1,000) that repeat twice on average: the 20 most frequent. */
function manyValues(s: Shape): Starter | undefined {
  const col = labels(s.csv).find((c) => !c.unique && c.distinct * 2 <= s.csv.rows);
  return col && groupKpi(s, col, q(col.name));
}

/** A line over days, its x a date column (ranged) and its y the columns after it. */
function lineKpi(id: string, title: string, description: string, sql: string[], x: { name: string; label: string; type?: 'string' }, ys: { name: string; type: string; label: string }[]): Starter {
  return {
    id: kpiId(id),
    yaml: [
      `title: ${yamlText(title)}`,
      `description: ${yamlText(`${description} ${NOTE}`)}`,
      'sql: |',
      ...sql.map((line) => `  ${line}`),
      'columns:',
      `  ${x.name}: { type: ${x.type ?? 'date'}, label: ${x.label} }`,
      ...ys.map((y) => `  ${y.name}: { type: ${y.type}, label: ${y.label} }`),
      `chart: { type: line, x: ${x.name}, y: [${ys.map((y) => y.name).join(', ')}] }`,
      `range: ${x.name}`,
      '',
    ].join('\n'),
  };
}

/** A series (FRED's): each row one date's figure. Timestamps unique (a reading a minute) are averaged per day. */
function series(s: Shape): Starter | undefined {
  const date = seriesX(s.csv);
  const measure = measureOf(s.csv);
  if (s.csv.rows < 2 || !date || !measure) return undefined;
  const [d, m, from] = [q(date.name), q(measure.name), `FROM ${q(s.name)}`];
  const what = measure.header.trim() || measure.name;
  const x = { name: date.name, label: label(date), ...(date.period ? { type: 'string' as const } : {}) };
  const prefix = `${s.name}_${measure.name === s.name ? '' : `${measure.name}_`}`;
  if (date.type !== 'timestamp') {
    const sql = [`SELECT ${d}, ${measureSql(measure)}`, from, `WHERE ${m} IS NOT NULL`, 'ORDER BY 1'];
    return lineKpi(`${prefix}by_${date.name}`, `${s.name}: ${what} per ${date.header.trim() || date.name}`, `${measure.name} per ${date.name}, from ${s.name}.`, sql, x, [{ name: measure.name, type: 'number', label: label(measure) }]);
  }
  const sql = [`SELECT CAST(${d} AS DATE) AS ${d}, ${meanSql(measure)} AS ${m}`, from, `WHERE ${m} IS NOT NULL`, 'GROUP BY 1', 'ORDER BY 1'];
  return lineKpi(`${prefix}per_day`, `${s.name}: ${what} per day (mean)`, `The mean of ${measure.name} per day of ${date.name}, from ${s.name}.`, sql, x, [{ name: measure.name, type: 'number', label: yamlText(`${what} (mean per day)`) }]);
}

/** Rows per day of a date of few days that repeat (a year's dates too), else per month: a unique day's count is 1. */
function rowsPerPeriod(s: Shape): Starter | undefined {
  const date = s.csv.columns.find((c) => isDate(c) && valuesOf(c) >= 2);
  return date && periodLine(s, date, summable(s.csv), date.type === 'date' && !date.unique && date.distinct <= MAX_DAYS);
}

/**
 * Orders, payments, sales: a date and an amount named as money (Etsy's `Sale Date` and `Order Total`), its sum per month
 * before any group (an order's groups are its status, its payment method, its buyer), and per month whatever the days of
 * the first file: exports of orders arrive a month at a time, over which a day's sum would be a comb.
 */
function moneyPerMonth(s: Shape): Starter | undefined {
  const date = s.csv.columns.find((c) => isDate(c) && valuesOf(c) >= 2);
  const money = amountOf(s.csv);
  return date && money && !isSeries(s) ? periodLine(s, date, money, false) : undefined;
}

/** Rows, or the sum of `total`, per day of `date` (`perDay`) or per month. */
function periodLine(s: Shape, date: InferredColumn, total: InferredColumn | undefined, perDay: boolean): Starter {
  const d = q(date.name);
  const where = [`FROM ${q(s.name)}`, `WHERE ${d} IS NOT NULL`, 'GROUP BY ALL', 'ORDER BY 1'];
  const y = total ? { name: total.name, type: 'number', label: label(total) } : { name: 'row_count', type: 'integer', label: 'Rows' };
  const figure = total ? `${sumSql(total)} AS ${q(total.name)}` : 'count(*) AS row_count';
  const [what, of, prefix] = total ? [total.header.trim() || total.name, `The sum of ${total.name} of ${s.name}`, `${s.name}_${total.name}`] : ['rows', `Rows of ${s.name}`, s.name];
  if (perDay) {
    return lineKpi(`${prefix}_per_${date.name}`, `${s.name}: ${what} per ${date.header.trim() || date.name}`, `${of} per ${date.name}.`, [`SELECT ${d}, ${figure}`, ...where], { name: date.name, label: label(date) }, [y]);
  }
  // Named month, as the KPI's column: a dataset's own `month` column is no part of the output.
  return lineKpi(`${prefix}_per_month`, `${s.name}: ${what} per month`, `${of} per month of ${date.name} (its first day).`, [`SELECT date_trunc('month', ${d})::DATE AS month, ${figure}`, ...where], { name: 'month', label: 'Month' }, [y]);
}

/** A wide file (JHU's, Zillow's): of several columns named as periods (period-headers.ts), the latest as the measure per label. */
function periodColumns(s: Shape): Starter | undefined {
  const periods = headerPeriods(s.csv.columns);
  const measure = measureOf(s.csv);
  return measure && periods.has(measure.name) && periods.size >= 3 ? labelled(s) : undefined;
}

/** A measure per label unique in the rows (a country's name): the 20 largest. A label that repeats sums its rows. */
function labelled(s: Shape): Starter | undefined {
  const measure = measureOf(s.csv);
  const texts = labels(s.csv);
  // A name rather than a code where both are unique (the World Bank's `Country Name`, not its `Country Code`); else one every row fills (JHU's `Country/Region`, not its `Province/State`).
  const col = texts.find((c) => c.unique && !ID_LIKE.test(c.name)) ?? texts.find((c) => c.unique) ?? texts.find((c) => c.complete) ?? texts[0];
  if (!measure || !col) return undefined;
  const [l, m] = [q(col.name), q(measure.name)];
  const what = measure.header.trim() || measure.name;
  const sql = col.unique
    ? [`SELECT ${l}, ${measureSql(measure)}`, `FROM ${q(s.name)}`, `WHERE ${m} IS NOT NULL`, 'ORDER BY 2 DESC, 1', 'LIMIT 20']
    : [`SELECT ${l}, ${sumSql(measure)} AS ${m}`, `FROM ${q(s.name)}`, `WHERE ${m} IS NOT NULL${col.complete ? '' : ` AND ${l} IS NOT NULL`}`, 'GROUP BY ALL', 'ORDER BY 2 DESC, 1', 'LIMIT 20'];
  const description = `${col.unique ? '' : 'The sum of '}${measure.name} per ${col.name} of ${s.name}, the 20 largest${col.complete ? '' : ` (rows where ${col.name} is empty left out)`}.`;
  return measureBars(s, col, measure, sql, { id: `${s.name}_${measure.name}_by_${col.name}`, title: `${s.name}: ${what} by ${col.header.trim() || col.name}`, description });
}

/**
 * A panel: a label and a period unique together (OWID's `Entity,Year`, Gapminder's `country,year`, a
 * store's sales per day) and a measure. Its value per label in the latest period that half the fullest one's figures fill.
 */
function panel(s: Shape): Starter | undefined {
  const pair = s.csv.pairKey?.map((name) => s.csv.columns.find((c) => c.name === name)!);
  const measure = measureOf(s.csv);
  if (!pair || !measure) return undefined;
  const isPeriod = (c: InferredColumn) => isDate(c) || c.period === true || ((c.type === 'integer' || c.type === 'text') && PERIOD_LIKE.test(c.name));
  const period = pair.find(isPeriod);
  const col = pair.find((c) => c !== period && labels(s.csv).includes(c));
  if (!period || !col) return undefined;
  const [l, p, m, from] = [q(col.name), q(period.name), q(measure.name), `FROM ${q(s.name)}`];
  const what = measure.header.trim() || measure.name;
  const when = period.header.trim() || period.name;
  // The latest period with half the fullest one's figures at least: not a year only an aggregate has published yet.
  const counts = `SELECT ${p}, count(${m}) AS figures, max(count(${m})) OVER () AS most ${from} GROUP BY ALL`;
  const sql = [`SELECT ${l}, ${measureSql(measure)}`, from, `WHERE ${p} = (SELECT max(${p}) FROM (${counts}) WHERE figures * 2 >= most)`, `  AND ${m} IS NOT NULL`, 'ORDER BY 2 DESC, 1', 'LIMIT 20'];
  const description = `${measure.name} per ${col.name} of ${s.name} in the latest ${period.name} with half as many figures as the fullest one at least, the 20 largest.`;
  return measureBars(s, col, measure, sql, { id: `${s.name}_${measure.name}_by_${col.name}`, title: `${s.name}: ${what} by ${col.header.trim() || col.name}, latest ${when}`, description });
}

/** A bar per label of a measure's value. */
function measureBars(s: Shape, col: InferredColumn, measure: InferredColumn, sql: string[], text: { id: string; title: string; description: string }): Starter {
  return {
    id: kpiId(text.id),
    yaml: [
      `title: ${yamlText(text.title)}`,
      `description: ${yamlText(`${text.description} ${NOTE}`)}`,
      'sql: |',
      ...sql.map((line) => `  ${line}`),
      'columns:',
      `  ${col.name}: { type: string, label: ${label(col)} }`,
      `  ${measure.name}: { type: number, label: ${label(measure)} }`,
      `chart: { type: bar, x: ${col.name}, y: [${measure.name}] }`,
      ...(RESERVED_PARAMETERS.includes(col.name) ? [] : [`filters: { ${col.name}: ${col.name} }`]),
      '',
    ].join('\n'),
  };
}
