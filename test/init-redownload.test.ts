import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// Two downloads of one export given to init together (a browser's `export (1).csv` beside `export.csv`,
// USGS's feed a week apart) share their ids: unique in each file, repeating across them. Without a key
// every shared row counts twice; with it, the newer download's row must win, the copy applying after
// the name it copies. A title of free text beside dates is no key, however unique so far.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-redownload-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

/** `init --from-csv --json` on `files` (given in this order, as a shell's glob gives them): the project folder and each dataset's key. */
async function initFrom(folder: string, files: Record<string, string>): Promise<{ dir: string; keys: Record<string, string[]> }> {
  const csvs = path.join(root, `${folder}-csvs`);
  await fs.mkdir(csvs, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(csvs, name), text);
  const dir = path.join(root, folder);
  const init = await runCli(['init', dir, '--from-csv', ...Object.keys(files).map((f) => path.join(csvs, f)), '--json'], {});
  assert.equal(init.code, 0, init.stderr);
  const written = JSON.parse(init.stdout) as { datasets: { name: string; key: string[] }[] };
  return { dir, keys: Object.fromEntries(written.datasets.map((d) => [d.name, d.key])) };
}

/** `run`, which must succeed: its printed summary and progress lines, and the silver details of `dataset` and run id from the record it names. */
async function run(dir: string, dataDir: string, dataset: string): Promise<{ text: string; progress: string; runId: string; silver: { rows: number; superseded: number; quarantined: number } }> {
  const r = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  const runId = /^run (\S+) completed/m.exec(r.stdout)![1]!;
  const record = JSON.parse(await fs.readFile(path.join(dataDir, 'lake', 'runs', `${runId}.json`), 'utf8'));
  const silver = record.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets[dataset];
  return { text: r.stdout, progress: r.stderr, runId, silver };
}

const GOODREADS = 'Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,Publisher,Binding,Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,Bookshelves,Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,Read Count,Owned Copies\n';
const DUNE = '44767458,Dune (Dune #1),Frank Herbert,"Herbert, Frank",,="",="",5,4.27,Ace Books,Kindle Edition,658,2019,1965,2023/12/30,2023/11/02,favorites,favorites (#1),read,"Loved it,\nthe spice.",,,1,0\n';

test("init --from-csv on Goodreads' export downloaded twice: Book Id is the key, and the newer download (`export (1).csv`) wins", async () => {
  const { dir, keys } = await initFrom('goodreads', {
    // The browser's copy first, as a shell's glob lists them (a space sorts before a dot).
    'goodreads_library_export (1).csv': `${GOODREADS}40121378,Atomic Habits,James Clear,"Clear, James",,="",="",4,4.33,Avery,Hardcover,320,2018,2018,2024/02/20,2024/02/01,,,read,,,,1,1\n5107,The Catcher in the Rye,J.D. Salinger,"Salinger, J.D.",,"=""0316769487""","=""9780316769488""",4,3.80,"Little, Brown and Company",Paperback,277,2001,1951,2024/02/15,2024/01/10,,read (#2),read,,,,1,0\n${DUNE}`,
    'goodreads_library_export.csv': `${GOODREADS}5107,The Catcher in the Rye,J.D. Salinger,"Salinger, J.D.",,"=""0316769487""","=""9780316769488""",0,3.80,"Little, Brown and Company",Paperback,277,2001,1951,,2024/01/10,to-read,to-read (#3),to-read,,,,0,0\n${DUNE}`,
  });
  assert.deepEqual(keys, { goodreads_library_export: ['book_id'] });
  const yml = await fs.readFile(path.join(dir, 'datasets', 'goodreads_library_export.yml'), 'utf8');
  assert.match(yml, /^# book_id is unique and never empty in each file, and repeats across them .*: a later file's row replaces the earlier row with the same book_id .*\nkey: book_id$/m);
  const dataDir = path.join(root, 'goodreads-data');
  const first = await run(dir, dataDir, 'goodreads_library_export');
  assert.deepEqual([first.silver.rows, first.silver.superseded, first.silver.quarantined], [3, 2, 0]);
  // The Catcher in the Rye as the newer download has it: read, rated 4.
  assert.deepEqual(await silverRows(dataDir, 'goodreads_library_export', first.runId, 'SELECT my_rating::INTEGER AS rating, exclusive_shelf AS shelf FROM $t WHERE book_id = 5107'), [{ rating: 4, shelf: 'read' }]);
  assert.match(first.text, /2 rows superseded by a later file of this run \(goodreads_library_export \(1\)\.csv's rows kept, merged after goodreads_library_export\.csv\)/);
  assert.ok(first.progress.indexOf('ingest goodreads_library_export.csv') < first.progress.indexOf('ingest goodreads_library_export (1).csv'), first.progress);
});

/** USGS's `all_month` feed as downloaded on `day`: the events of the 30 days before it, newest first; those of `reviewed` with a revised magnitude. */
function usgs(events: number[], reviewed: number[] = []): string {
  const header = 'time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,horizontalError,depthError,magError,magNst,status,locationSource,magSource\n';
  const rows = [...events].reverse().map((i) => {
    const day = new Date(Date.UTC(2024, 0, 1 + i, i % 24, (i * 7) % 60, 12));
    const again = reviewed.includes(i);
    const updated = new Date(day.getTime() + (again ? 9 : 1) * 86_400_000);
    return [day.toISOString(), (33 + i * 0.137).toFixed(4), (-116 - i * 0.211).toFixed(4), (5 + i * 0.31).toFixed(2), (again ? 3.1 + i / 100 : 2.5 + i / 100).toFixed(2), 'ml', 20 + i, 40 + i, (0.01 * i).toFixed(3), (0.1 + i / 1000).toFixed(3), 'us', `us7000${(50000 + i * 131).toString(36)}`, updated.toISOString(), `"${10 + i} km SSW of Town ${i % 5}, CA"`, 'earthquake', (0.2 + i / 100).toFixed(2), (0.5 + i / 100).toFixed(2), (0.1 + i / 1000).toFixed(3), 10 + i, again ? 'reviewed' : 'automatic', 'us', 'us'].join(',');
  });
  return `${header}${rows.join('\n')}\n`;
}

test("init --from-csv on USGS's all_month feed downloaded a week apart: id is the key, a revised event takes the later values", async () => {
  const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
  const { dir, keys } = await initFrom('usgs', { 'all_month_2024-01-31.csv': usgs(days(0, 30)), 'all_month_2024-02-07.csv': usgs(days(7, 37), [20, 25]) });
  assert.deepEqual(keys, { all_month: ['id'] });
  const dataDir = path.join(root, 'usgs-data');
  const first = await run(dir, dataDir, 'all_month');
  assert.deepEqual([first.silver.rows, first.silver.superseded, first.silver.quarantined], [38, 24, 0]);
  assert.deepEqual(await silverRows(dataDir, 'all_month', first.runId, "SELECT count(*)::INTEGER AS n FROM $t WHERE status = 'reviewed'"), [{ n: 2 }]);
});

test("init --from-csv on Netflix's viewing history: the title, unique so far, is no key; a rewatch in the next file is a row of its own", async () => {
  const { dir, keys } = await initFrom('netflix', { 'NetflixViewingHistory.csv': 'Title,Date\n"Stranger Things: Season 4: Chapter 1: The Hellfire Club",1/15/24\n"Squid Game: Season 1: Red Light, Green Light",12/31/23\nThe Irishman,7/4/21\n' });
  assert.deepEqual(keys, { netflix_viewing_history: [] });
  const yml = await fs.readFile(path.join(dir, 'datasets', 'netflix_viewing_history.yml'), 'utf8');
  assert.match(yml, /title is unique in these 3 rows, but it is free text in rows of dates/);
  const dataDir = path.join(root, 'netflix-data');
  await run(dir, dataDir, 'netflix_viewing_history');
  await fs.writeFile(path.join(dir, 'sources', 'NetflixViewingHistory_2024-01-20.csv'), 'Title,Date\nThe Irishman,1/20/24\n');
  const second = await run(dir, dataDir, 'netflix_viewing_history');
  assert.deepEqual([second.silver.rows, second.silver.quarantined], [4, 0]);
  assert.deepEqual(await silverRows(dataDir, 'netflix_viewing_history', second.runId, "SELECT strftime(date, '%Y-%m-%d') AS day FROM $t WHERE title = 'The Irishman' ORDER BY 1"), [{ day: '2021-07-04' }, { day: '2024-01-20' }]);
});
