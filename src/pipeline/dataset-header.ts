import type { SourceEncoding } from './csv-encoding.js';
import { inspectHeader, matchHeader, parseHeader, quotingOf, type HeaderMatch } from './csv-header.js';
import { headerProblem } from './header-problem.js';
import type { DatasetSpec } from '../project/types.js';

/**
 * A header of two lines (`header_rows: 2`), as SurveyMonkey writes its exports: the questions, a
 * question's field left blank over its other columns, then each column's answer label under it.
 */

/** SurveyMonkey's label of a question's one answer (a choice, a text): no part of the column's name. */
export const ONE_ANSWER = /^(open-ended )?response$/i;

/**
 * The names of the columns of a header of two lines: a column is named by its question, followed by
 * its label where the question has several columns (`Which of the following products do you own?
 * Laptop`, a matrix's `Please rate the following: Price`); a label of one answer (`Response`,
 * `Open-Ended Response`) or none (the respondent's `Respondent ID`) leaves the question alone. A label
 * under a blank field takes the question before it; a field blank on both lines has no name.
 */
export function headerOfTwoLines(questions: readonly string[], labels: readonly string[]): string[] {
  let question = '';
  return Array.from({ length: Math.max(questions.length, labels.length) }, (_, i) => {
    const [q, label] = [(questions[i] ?? '').trim(), (labels[i] ?? '').trim()];
    if (q) question = q;
    if (q && (!label || ONE_ANSWER.test(label))) return q;
    return label ? [question, label].filter(Boolean).join(' ') : '';
  });
}

/** `labels`, the header line after `skipLines`, named with the questions of the line before it where the dataset declares `header_rows: 2`. */
async function withQuestions(labels: string[], file: string, spec: Pick<DatasetSpec, 'delimiter' | 'headerRows' | 'escape' | 'quote'>, encoding: SourceEncoding, skipLines: number): Promise<string[]> {
  if (spec.headerRows !== 2 || skipLines < 1) return labels;
  return headerOfTwoLines(await inspectHeader(file, spec.delimiter, skipLines - 1, encoding, quotingOf(spec)), labels);
}

/**
 * A file's header as its dataset reads it: the line after `skipLines`, or with `header_rows: 2` (`headerRows`,
 * its first line counted in `skipLines`) that line's labels named with the questions of the line before.
 */
export async function datasetHeader(file: string, spec: Pick<DatasetSpec, 'delimiter' | 'skipLines' | 'headerRows' | 'escape' | 'quote'>, encoding: SourceEncoding = 'utf-8', skipLines = spec.skipLines ?? 0): Promise<string[]> {
  return withQuestions(await inspectHeader(file, spec.delimiter, skipLines, encoding, quotingOf(spec)), file, spec, encoding, skipLines);
}

/**
 * A file's header as bronze read it (`line`, the one its records follow: with `header_rows: 2` named with the
 * questions' line before it), matched with its dataset's columns, and why the file cannot be read so.
 */
export async function matchedHeader(name: string, file: string, spec: DatasetSpec, line: string, encoding: SourceEncoding): Promise<{ match: HeaderMatch; problem: ReturnType<typeof headerProblem> }> {
  const header = await withQuestions(parseHeader(line, spec.delimiter, quotingOf(spec)), file, spec, encoding, spec.skipLines ?? 0);
  const match = matchHeader(header, spec);
  return { match, problem: headerProblem(name, header, match, spec) };
}
