import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';
import { headerOfTwoLines } from '../src/pipeline/dataset-header.js';

// SurveyMonkey's exports have two header lines: the questions (a question of several columns leaves its
// other fields blank), then each column's answer label (`Response` for a question's one answer, a choice,
// a row of a matrix), blank under the respondent's fields. Through the built CLI: init names the columns
// from both lines and types from the answers; the run skips the second line in every file.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-survey-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const QUESTIONS = 'Respondent ID,Collector ID,Start Date,End Date,IP Address,How likely is it that you would recommend us to a friend?,Which of the following products do you own?,,,,What is your age?,Please rate the following:,';
const LABELS = ',,,,,Response,Laptop,Tablet,Phone,Other (please specify),Response,Price,Quality';
const AGES = ['18-24', '25-34', '35-44', '45-54'];

/** A respondent's line: its id, answers following from it. */
function respondent(id: number, age = AGES[id % 4]!): string {
  const [day, hour] = [String(2 + (id % 20)).padStart(2, '0'), String(1 + (id % 11)).padStart(2, '0')];
  const own = [id % 2 ? 'Laptop' : '', id % 3 ? 'Tablet' : '', id % 5 ? '' : 'Phone', id % 7 ? '' : '"Smart watch, old"'];
  return `${114481200 + id},402345678,01/${day}/2024 ${hour}:15:00 AM,01/${day}/2024 ${hour}:27:00 AM,82.14.23.${id % 250},${id % 11},${own.join(',')},${age},${id % 2 ? 'Good' : 'Fair'},${id % 3 ? 'Excellent' : 'Poor'}`;
}

/** An export of `rows`, with a question of one answer added at the end (`extra`, answered `Fine`). */
const survey = (rows: string[], extra?: string) =>
  [`${QUESTIONS}${extra ? `,${extra}` : ''}`, `${LABELS}${extra ? ',Open-Ended Response' : ''}`, ...rows.map((r) => `${r}${extra ? ',Fine' : ''}`)].join('\r\n') + '\r\n';

test('the two lines name the columns: the question alone for its one answer, with its label for a question of several columns', () => {
  assert.deepEqual(headerOfTwoLines(QUESTIONS.split(','), LABELS.split(',')).slice(4), [
    'IP Address',
    'How likely is it that you would recommend us to a friend?',
    'Which of the following products do you own? Laptop',
    'Which of the following products do you own? Tablet',
    'Which of the following products do you own? Phone',
    'Which of the following products do you own? Other (please specify)',
    'What is your age?',
    'Please rate the following: Price',
    'Please rate the following: Quality',
  ]);
  assert.deepEqual(headerOfTwoLines(['id', 'Any comments?', ''], ['', 'Open-Ended Response', '']), ['id', 'Any comments?', '']);
});

test("a SurveyMonkey export (questions, then their answers' labels): init names the columns from both lines, types from the respondents, the respondent id the key; the run skips the labels' line in each file", async () => {
  const csvs = path.join(root, 'csvs');
  await fs.mkdir(csvs, { recursive: true });
  await fs.writeFile(path.join(csvs, 'Customer Satisfaction Survey.csv'), survey(Array.from({ length: 30 }, (_, i) => respondent(i + 1))));
  const dir = path.join(root, 'project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'Customer Satisfaction Survey.csv')], {});
  assert.equal(init.code, 0, init.stderr);
  // 30 respondents, not 31: the labels' line is no row.
  assert.match(init.stdout, /from Customer Satisfaction Survey\.csv: 30 rows, 13 columns, key respondent_id, two header lines/);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'customer_satisfaction_survey.yml'), 'utf8');
  assert.match(yaml, /^header_rows: 2$/m);
  assert.match(yaml, /^key: respondent_id$/m);
  assert.doesNotMatch(yaml, /column_\d+/, 'every column has a name');
  assert.match(yaml, /^ {2}how_likely_is_it_that_you_would_recommend_us_to_a_friend: \{ type: integer \}/m);
  assert.match(yaml, /^ {2}which_of_the_following_products_do_you_own_laptop: \{ type: text \} {3}# header "Which of the following products do you own\? Laptop"$/m);
  assert.match(yaml, /^ {2}which_of_the_following_products_do_you_own_other_please_specify: \{ type: text \}/m);
  assert.match(yaml, /^ {2}what_is_your_age: \{ type: text \} {3}# header "What is your age\?"$/m);
  assert.match(yaml, /^ {2}please_rate_the_following_quality: \{ type: text \}/m);

  const dataDir = path.join(root, 'data');
  const run = async () => {
    const r = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  let summary = await run();
  const stage = (name: string) => summary.stages.find((s: { stage: string }) => s.stage === name);
  assert.equal(stage('bronze').rowsOut, 30);
  assert.equal(stage('silver').quarantined, 0);
  const answers = 'SELECT respondent_id, CAST(start_date AS VARCHAR) AS start_date, how_likely_is_it_that_you_would_recommend_us_to_a_friend AS nps, which_of_the_following_products_do_you_own_laptop AS laptop, which_of_the_following_products_do_you_own_tablet AS tablet, which_of_the_following_products_do_you_own_other_please_specify AS other, what_is_your_age AS age, please_rate_the_following_quality AS quality FROM $t';
  assert.deepEqual(await silverRows(dataDir, 'customer_satisfaction_survey', summary.runId, `SELECT count(*) AS n, count(DISTINCT respondent_id) AS ids, count(*) FILTER (WHERE what_is_your_age NOT IN ('18-24', '25-34', '35-44', '45-54')) AS odd FROM $t`), [{ n: 30, ids: 30, odd: 0 }]);
  assert.deepEqual(await silverRows(dataDir, 'customer_satisfaction_survey', summary.runId, `${answers} WHERE respondent_id = 114481207`), [
    { respondent_id: 114481207, start_date: '2024-01-09 08:15:00', nps: 7, laptop: 'Laptop', tablet: 'Tablet', other: 'Smart watch, old', age: '45-54', quality: 'Excellent' },
  ]);

  // The next export of the survey: new respondents, one who changed an answer, and a question added since.
  const next = survey([respondent(7, '18-24'), respondent(31), respondent(32)], 'Any comments?');
  await fs.writeFile(path.join(dir, 'sources', 'Customer Satisfaction Survey (2).csv'), next);
  const check = await runCli(['check', '--sources', '--project', dir], {});
  // The added question is named from both lines too, in the line to add.
  assert.match(check.stdout, /Customer Satisfaction Survey \(2\)\.csv → customer_satisfaction_survey: extra columns ignored\n.*\n {6}any_comments: \{ type: text \} {3}# header "Any comments\?"$/m, check.stdout);
  summary = await run();
  assert.equal(stage('bronze').rowsOut, 3);
  assert.equal(stage('silver').quarantined, 0);
  assert.deepEqual(await silverRows(dataDir, 'customer_satisfaction_survey', summary.runId, `SELECT count(*) AS n, count(*) FILTER (WHERE respondent_id = 114481207 AND what_is_your_age = '18-24') AS changed FROM $t`), [{ n: 32, changed: 1 }]);
});
