import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// What `init --from-csv` types, silver must read, through the built CLI: Goodreads' library export, whose ISBNs
// are Excel formulas of text (`="0316769487"`, `=""` for none), and INSEE's populations, thousands grouped by
// no-break spaces in a windows-1252 file (`652 432`).

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-excel-spaces-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const GOODREADS_HEADER = 'Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,Publisher,Binding,Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,Bookshelves,Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,Read Count,Owned Copies';
const CATCHER = '5107,The Catcher in the Rye,J.D. Salinger,"Salinger, J.D.",,"=""0316769487""","=""9780316769488"""';
const DUNE = '44767458,Dune (Dune #1),Frank Herbert,"Herbert, Frank",,="",="",5,4.27,Ace Books,Kindle Edition,658,2019,1965,2023/12/30,2023/11/02,favorites,favorites (#1),read,"Loved it,\nthe spice.",,,1,0';
// Two downloads of one library, as a browser names the second.
const GOODREADS = {
  'goodreads_library_export.csv': [GOODREADS_HEADER, `${CATCHER},0,3.80,"Little, Brown and Company",Paperback,277,2001,1951,,2024/01/10,to-read,to-read (#3),to-read,,,,0,0`, DUNE],
  'goodreads_library_export (1).csv': [GOODREADS_HEADER, '40121378,Atomic Habits,James Clear,"Clear, James",,="",="",4,4.33,Avery,Hardcover,320,2018,2018,2024/02/20,2024/02/01,,,read,,,,1,1', `${CATCHER},4,3.80,"Little, Brown and Company",Paperback,277,2001,1951,2024/02/15,2024/01/10,,read (#2),read,,,,1,0`, DUNE],
};

/** `init` of the files `texts` (name → content) into project `name`; returns the project folder, its data folder and its one dataset's definition file. */
async function init(name: string, texts: Record<string, string | Buffer>): Promise<{ dir: string; dataDir: string; definition: string }> {
  const csvs = path.join(root, `${name}-csvs`);
  await fs.mkdir(csvs, { recursive: true });
  for (const [file, text] of Object.entries(texts)) await fs.writeFile(path.join(csvs, file), text);
  const dir = path.join(root, name);
  const r = await runCli(['init', dir, '--from-csv', ...Object.keys(texts).map((f) => path.join(csvs, f))], {});
  assert.equal(r.code, 0, r.stderr);
  const [definition] = await fs.readdir(path.join(dir, 'datasets'));
  return { dir, dataDir: path.join(root, `${name}-data`), definition: path.join(dir, 'datasets', definition!) };
}

/** `run --json` of a project, which must succeed; returns its run id and the silver stage's counts of `dataset`. */
async function run(dir: string, dataDir: string, dataset: string): Promise<{ runId: string; rowsOut: number; quarantined: number }> {
  const r = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const { rowsOut, quarantined } = summary.stages[1].details.datasets[dataset];
  return { runId: summary.runId, rowsOut, quarantined };
}

test('Goodreads\' ISBNs written as Excel formulas of text (="0316769487", ="") are typed text and declared excel_text by init, and read by silver as the code inside, ="" missing', async () => {
  const { dir, dataDir, definition } = await init('goodreads', Object.fromEntries(Object.entries(GOODREADS).map(([f, lines]) => [f, `${lines.join('\n')}\n`])));
  const yaml = await fs.readFile(definition, 'utf8');
  assert.match(yaml, /^ {2}isbn: \{ type: text, excel_text: true \} {3}# header "ISBN"; written as Excel formulas of text \(="0316769487", so that a spreadsheet keeps a code's leading zeros\): read as the text inside the quotes, ="" as missing$/m, yaml);
  assert.match(yaml, /^ {2}isbn13: \{ type: text, excel_text: true \} {3}# header "ISBN13"; written as Excel formulas of text .*; digits, but a code: text$/m, yaml);
  assert.match(yaml, /^ {2}title: \{ type: text \} {3}# header "Title"$/m, yaml);
  const { runId, rowsOut, quarantined } = await run(dir, dataDir, 'goodreads_library_export');
  // Book Id is the key (the export downloaded twice): the later download's row of each book replaces the earlier.
  assert.deepEqual([rowsOut, quarantined], [3, 0]);
  assert.deepEqual(await silverRows(dataDir, 'goodreads_library_export', runId, 'SELECT book_id, isbn, isbn13 FROM $t ORDER BY book_id, isbn'), [
    { book_id: 5107, isbn: '0316769487', isbn13: '9780316769488' },
    { book_id: 40121378, isbn: null, isbn13: null },
    { book_id: 44767458, isbn: null, isbn13: null },
  ]);
});

// INSEE's departments, as its windows-1252 download writes them: thousands grouped by U+00A0, no decimal in the file.
const DEPS = Buffer.from('dep;nom;population\n01;Ain;652\xa0432\n13;Bouches-du-Rh\xf4ne;2\xa0043\xa0110\n75;Paris;2\xa0133\xa0111\n09;Ari\xe8ge;153\xa0287\n', 'latin1');

test('INSEE\'s populations grouped by no-break spaces (652 432) are integers of a dataset of decimal commas; without that declaration, the quarantine names it', async () => {
  const { dir, dataDir, definition } = await init('insee', { 'deps.csv': DEPS });
  const yaml = await fs.readFile(definition, 'utf8');
  assert.match(yaml, /^decimal_separator: ","$/m, yaml);
  assert.match(yaml, /^ {2}population: \{ type: integer \}$/m, yaml);
  const first = await run(dir, dataDir, 'deps');
  assert.deepEqual([first.rowsOut, first.quarantined], [4, 0]);
  assert.deepEqual(await silverRows(dataDir, 'deps', first.runId, 'SELECT dep, nom, population FROM $t ORDER BY dep'), [
    { dep: '01', nom: 'Ain', population: 652432 },
    { dep: '09', nom: 'Ariège', population: 153287 },
    { dep: '13', nom: 'Bouches-du-Rhône', population: 2043110 },
    { dep: '75', nom: 'Paris', population: 2133111 },
  ]);

  // A definition without it (written by hand, or before): the rows are quarantined, and the run says what reads them.
  await fs.writeFile(definition, yaml.replace(/^decimal_separator: ","\n/m, ''));
  const refused = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /4 rows quarantined \(invalid_integer:population 4\): 4 of the rows set aside hold numbers whose spaces group thousands \(652 432, no-break ones included\), which a dataset without a decimal separator does not read: if its numbers have no decimal point \(12,5 or none\), declare decimal_separator: "," in datasets\/deps\.yml to read them/);
  // With a later department whose population reads, the run goes on: each quarantined row's detail names the option.
  await fs.writeFile(path.join(dir, 'sources', 'deps_2.csv'), Buffer.from('dep;nom;population\n90;Territoire de Belfort;141318\n', 'latin1'));
  const second = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /deps: 4 of the rows set aside hold numbers whose spaces group thousands/);
  const runId = /run (\S+) completed/.exec(second.stdout)![1]!;
  assert.deepEqual(await silverRows(dataDir, 'quarantine/deps', runId, 'SELECT _reason, _detail FROM $t WHERE population LIKE \'652%\''), [
    { _reason: 'invalid_integer:population', _detail: 'population "652\u00a0432" is not a valid integer (its non-breaking spaces group thousands: if no number of the dataset has a decimal point, declare decimal_separator: "," in the dataset to read it)' },
  ]);
});
