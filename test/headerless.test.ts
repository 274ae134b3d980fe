import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { startServer } from './support/load.js';
import { silverRows } from './support/lake-rows.js';

// Files without a header line, as UCI's repository writes them (`adult.data`: `39, State-gov, 77516,
// ...`, `?` for unknown; `adult.test` with a title line first): `init --from-csv` declares
// `header: false`, the columns named by position, and every line is a row, numbered as in the file.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'headerless-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const ADULT = ['39, State-gov, 77516, <=50K', '50, Self-emp, 83311, >50K', '38, ?, 215646, <=50K', 'abc, Private, 234721, <=50K', '28, Private, 338409', '37, State-gov, 284582, >50K'];


test('a file without a header line (adult.data): init declares header: false with columns by position; renamed, every line loads as a row, numbered as in the file', async () => {
  const csvs = path.join(root, 'uci');
  await fs.mkdir(csvs);
  await fs.writeFile(path.join(csvs, 'adult.data'), `${ADULT.join('\n')}\n`);
  await fs.writeFile(path.join(csvs, 'adult_test.csv'), `|1x3 Cross validator\n${[...ADULT.slice(0, 3), ADULT[5]].join('\n')}\n`);
  const dir = path.join(root, 'adult-project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'adult.data'), path.join(csvs, 'adult_test.csv')], {});
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /datasets\/adult\.yml {2}from adult\.data: 5 rows, 4 columns, no key \(rows appended\), no header line: columns named by position, to rename \(header: false\)/);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'adult.yml'), 'utf8');
  assert.match(yaml, /^files: "adult\*\.data"$/m);
  assert.match(yaml, /^header: false$/m);
  assert.match(yaml, /^ {2}column_2: \{ type: text, null_values: \["\?"\] \}$/m);
  assert.match(yaml, /^ {2}column_3: \{ type: integer \}$/m);
  const test2 = await fs.readFile(path.join(dir, 'datasets', 'adult_test.yml'), 'utf8');
  assert.match(test2, /^header: false$/m);
  assert.match(test2, /^skip_lines: 1$/m);
  // Renamed as the user would, in the file's order.
  const renamed = yaml.replace(/^ {2}column_1: .*$/m, '  age: { type: integer }').replace(/^ {2}column_2:/m, '  workclass:').replace(/^ {2}column_3:/m, '  fnlwgt:').replace(/^ {2}column_4:/m, '  income:');
  await fs.writeFile(path.join(dir, 'datasets', 'adult.yml'), renamed);
  await fs.rm(path.join(dir, 'kpis'), { recursive: true });
  await fs.mkdir(path.join(dir, 'kpis'));
  await fs.writeFile(path.join(dir, 'kpis', 'by_income.yml'), 'title: People by income\nsql: SELECT income, count(*) AS n FROM adult GROUP BY 1\ncolumns:\n  income: { type: string }\n  n: { type: integer }\nchart: { type: bar, x: income, y: n }\n');
  // A later file with a header line, and one of another number of fields: each waits, saying why, rather than load misread.
  await fs.writeFile(path.join(dir, 'sources', 'adult_2.data'), `age,workclass,fnlwgt,income\n${ADULT[0]}\n`);
  await fs.writeFile(path.join(dir, 'sources', 'adult_3.data'), '39, State-gov, 77516, Bachelors, <=50K\n');
  const sources = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(sources.stdout, /adult_3\.data → adult: waits in quarantine: adult_3\.data: its first line has 5 fields where datasets\/adult\.yml declares 4 columns, read in order \(header: false\)/);
  const dataDir = path.join(root, 'adult-data');
  const run = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  const text = JSON.stringify(summary);
  assert.match(text, /adult_2\.data: its first line names the columns \(age,workclass,fnlwgt,income\), but datasets\/adult\.yml says header: false: it would be read as a row/);
  assert.match(text, /adult_3\.data: its first line has 5 fields/);
  // Every line of adult.data and adult_test.csv's four after the title, and the 3 lines of the files waiting: 6 + 4 + 3 in, 2 rows and the 3 waiting quarantined.
  assert.deepEqual([summary.stages[0].rowsOut, summary.stages[1].rowsIn, summary.stages[1].rowsOut, summary.stages[1].quarantined], [13, 13, 8, 5]);
  assert.deepEqual(await silverRows(dataDir, 'adult', '', 'SELECT age, workclass, fnlwgt, income FROM $t ORDER BY fnlwgt'), [
    { age: 39, workclass: 'State-gov', fnlwgt: 77516, income: '<=50K' },
    { age: 50, workclass: 'Self-emp', fnlwgt: 83311, income: '>50K' },
    { age: 38, workclass: null, fnlwgt: 215646, income: '<=50K' },
    { age: 37, workclass: 'State-gov', fnlwgt: 284582, income: '>50K' },
  ]);
  // Data rows numbered from the file's first line, which is one.
  const quarantine = await silverRows(dataDir, 'quarantine/adult', '', 'SELECT _record, _line, _reason FROM $t ORDER BY coalesce(_record, _line)');
  assert.deepEqual(
    quarantine.map((q) => [q['_record'] ?? q['_line'], q['_reason']]),
    [
      [4, 'invalid_integer:age'],
      [5, 'malformed_line:missing_columns'],
    ],
  );
  // The explorer names the bronze file's fields as the dataset declares them.
  const bronzeDay = (await fs.readdir(path.join(dataDir, 'lake', 'bronze', 'adult')))[0]!;
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    const preview = (await (await fetch(`${url}/api/lake/bronze/preview?key=${encodeURIComponent(`adult/${bronzeDay}/adult.data`)}`)).json()) as { rows: Record<string, string>[] };
    assert.deepEqual(Object.keys(preview.rows[0]!), ['age', 'workclass', 'fnlwgt', 'income']);
    assert.equal(preview.rows[0]!['age'], '39');
    // The malformed line (a field short) is left out of the preview, as for any file.
    assert.equal(preview.rows.length, 5);
  } finally {
    server.kill('SIGTERM');
  }
});

test("MovieLens 1M (`::` between fields, no header, `.dat`): init declares the delimiter and header: false; the run loads every line, a malformed one numbered as in the file", async () => {
  const csvs = path.join(root, 'ml-1m');
  await fs.mkdir(csvs);
  const ratings = ['1::1193::5::978300760', '1::661::3::978302109', '1::914::3::978301968', '2::1357::5::978298059', '2::3068::4::978299000', '3::1196::4::978297539'];
  await fs.writeFile(path.join(csvs, 'ratings.dat'), `${ratings.join('\n')}\n`);
  const dir = path.join(root, 'ml-project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'ratings.dat')], {});
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /datasets\/ratings\.yml {2}from ratings\.dat: 6 rows, 4 columns, .*delimiter "::", no header line/);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'ratings.yml'), 'utf8');
  assert.match(yaml, /^delimiter: "::"$/m);
  assert.match(yaml, /^header: false$/m);
  await fs.writeFile(path.join(dir, 'sources', 'ratings_2.dat'), '4::1::5::978300761\n4::2::oops::978300762\n4::3::4\n');
  const dataDir = path.join(root, 'ml-data');
  const run = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  const rows = await silverRows(dataDir, 'ratings', '', 'SELECT column_1, column_2, column_3, column_4 FROM $t ORDER BY column_1, column_2');
  assert.equal(rows.length, 7);
  assert.deepEqual(rows.at(-1), { column_1: 4, column_2: 1, column_3: 5, column_4: 978300761 });
  const quarantine = await silverRows(dataDir, 'quarantine/ratings', '', 'SELECT _record, _line, _reason FROM $t ORDER BY coalesce(_record, _line)');
  assert.deepEqual(quarantine.map((q) => [q['_record'] ?? q['_line'], q['_reason']]), [
    [2, 'invalid_integer:column_3'],
    [3, 'malformed_line:missing_columns'],
  ]);
});
