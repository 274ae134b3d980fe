import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { headerOfTwoLines, ONE_ANSWER } from '../pipeline/dataset-header.js';
import { secondHeader } from './infer-rows.js';

/** Rows after the first looked at for a first field left blank. */
const SAMPLE_ROWS = 1_000;

/**
 * The first row of `rows` when it is SurveyMonkey's second header line, its answers' labels under the
 * questions (`Response`, `Laptop`, `Tablet`, `Open-Ended Response`): it leaves the first field blank
 * (the respondent's id), which no other row does; it fills with words every field the header leaves blank
 * after a question (the question's other answers); and the header leaves one so, or the row labels an
 * answer `Response` or `Open-Ended Response`. A title under the header fills no field so.
 */
export async function answerLabels(engine: Engine, rows: string, headers: readonly string[]): Promise<string[] | undefined> {
  if (headers.length < 2 || !headers[0]!.trim()) return undefined;
  const [first] = await engine.rows(`SELECT * FROM ${rows} LIMIT 1`).catch(() => [undefined]);
  if (!first || first['c0'] != null) return undefined;
  const labels = headers.map((_, i) => (first[`c${i}`] == null ? '' : String(first[`c${i}`])));
  const blank = headers.flatMap((h, i) => (i > 0 && !h.trim() ? [i] : []));
  if (!labels.some(Boolean) || labels.some((l) => l && !/\p{L}/u.test(l)) || blank.some((i) => !labels[i])) return undefined;
  if (!blank.length && !labels.some((l, i) => headers[i]!.trim() && ONE_ANSWER.test(l.trim()))) return undefined;
  const others = headers.length > 1 ? `list_count([${headers.slice(1).map((_, i) => id(`c${i + 1}`)).join(', ')}]) > 0` : 'false';
  const [r] = await engine.rows(`SELECT count(*) FILTER (WHERE c0 IS NULL AND ${others}) AS n FROM (SELECT * FROM ${rows} LIMIT ${SAMPLE_ROWS} OFFSET 1)`).catch(() => [undefined]);
  return r && Number(r['n']) === 0 ? labels : undefined;
}

/**
 * The header of a file and the rows under it that are no data: SurveyMonkey's labels under its questions
 * (`answers`, naming the columns with them: `header_rows: 2`), or a second header row of descriptions
 * (`described`: US Census downloads' `Geography`, `Estimate!!Total`; Qualtrics' with its import ids).
 * `fields` are the columns' headers as the definition says them.
 */
export async function headerRows(engine: Engine, rows: string, headers: string[], headerless: boolean): Promise<{ fields: string[]; answers?: string[]; described?: { labels: string[]; rows: 1 | 2 } }> {
  if (headerless) return { fields: headers.map((_, i) => `column_${i + 1}`), described: await secondHeader(engine, rows, headers.length) };
  const answers = await answerLabels(engine, rows, headers);
  if (answers) return { fields: headerOfTwoLines(headers, answers), answers, described: { labels: answers, rows: 1 } };
  return { fields: headers, described: await secondHeader(engine, rows, headers.length) };
}
