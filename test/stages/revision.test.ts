import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../src/engine/duckdb.js';
import { runCli } from '../support/cli.js';

// A corrected re-delivery of a file a keyed dataset merged: the dataset is rebuilt from its latest files,
// a dataset referencing it too when values its rows use are gone, so that silver is what a run from
// scratch over the same files gives; a new version waiting in quarantine changes nothing, then or later.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'revision-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

interface Silver {
  rows: number;
  unresolved: number;
}

/** `run --json` of the project (extra arguments after), which must succeed: the summary, and each dataset's silver rows and unresolved rows. */
async function run(dir: string, ...args: string[]) {
  const r = await runCli(['run', '--json', '--project', dir, ...args], { DATA_DIR: path.join(dir, 'data') });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const silver = summary.stages[1].details;
  const datasets = Object.fromEntries(Object.entries((silver.datasets ?? {}) as Record<string, Silver>).map(([d, s]) => [d, { rows: s.rows, unresolved: s.unresolved }]));
  return { summary, silver, datasets };
}

/** `show_id=title` of each row of a dataset in the lake's current version (its objects, as the version log lists them), sorted. */
async function currentRows(dir: string, dataset: string): Promise<string[]> {
  const logs = path.join(dir, 'data', 'lake', 'runs', '_log');
  const version = JSON.parse(await fs.readFile(path.join(logs, (await fs.readdir(logs)).sort().at(-1)!), 'utf8')) as { tables: Record<string, { objects: string[] }> };
  const files = version.tables[`silver/${dataset}`]!.objects.map((o) => `'${path.join(dir, 'data', 'lake', 'silver', o)}'`);
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '256MB' }, 'test');
  try {
    return (await engine.rows(`SELECT show_id, title FROM read_parquet([${files.join(', ')}])`)).map((r) => `${r['show_id']}=${r['title']}`).sort();
  } finally {
    engine.close();
  }
}

test('a customer withdrawn by a corrected customers.csv: customers and the orders referencing it rebuilt, as a full refresh gives; a version waiting in quarantine keeps them', async () => {
  const csvs = path.join(root, 'csvs');
  await fs.mkdir(csvs);
  await fs.writeFile(path.join(csvs, 'customers.csv'), 'customer_id,name\n1,Ann\n2,Bob\n3,Cy\n');
  await fs.writeFile(path.join(csvs, 'orders.csv'), 'order_id,customer_id,amount\n10,1,5\n11,2,6\n12,3,7\n');
  const dir = path.join(root, 'shop');
  assert.equal((await runCli(['init', dir, '--from-csv', path.join(csvs, 'customers.csv'), path.join(csvs, 'orders.csv')], {})).code, 0);
  await fs.appendFile(path.join(dir, 'datasets', 'orders.yml'), 'references:\n  - { column: customer_id, dataset: customers }\n');
  await run(dir);

  // Customer 3 withdrawn, customer 2 renamed.
  await fs.writeFile(path.join(dir, 'sources', 'customers.csv'), 'customer_id,name\n1,Ann\n2,Bobby\n');
  const revised = await run(dir);
  assert.deepEqual(revised.datasets, { customers: { rows: 2, unresolved: 0 }, orders: { rows: 2, unresolved: 1 } });
  assert.match(revised.silver.revised[0], /^customers was rebuilt from its latest files, as a new version of customers\.csv came/);
  assert.match(revised.silver.revised[1], /^orders was rebuilt from its latest files, as customers, which it references, was rebuilt without some of the values its rows use/);

  const scratch = path.join(root, 'scratch');
  await fs.cp(dir, scratch, { recursive: true });
  const full = await run(scratch, '--full-refresh');
  assert.deepEqual(full.datasets, revised.datasets);

  // A new version that cannot be read (a column missing) waits: customers stays as it was, and is not rebuilt at later runs.
  await fs.writeFile(path.join(dir, 'sources', 'customers.csv'), 'id,name\n1,Ann\n');
  const waiting = await run(dir);
  assert.equal(waiting.silver.revised, undefined);
  assert.equal(waiting.datasets['customers']!.rows, 2);
  await fs.writeFile(path.join(dir, 'sources', 'orders_2.csv'), 'order_id,customer_id,amount\n20,1,9\n');
  const later = await run(dir);
  assert.equal(later.silver.revised, undefined);
  assert.deepEqual(later.datasets['orders'], { rows: 3, unresolved: 1 });
  const nothing = await run(dir);
  assert.equal(typeof nothing.silver.skipped, 'string', 'a run with nothing new merges nothing');
  assert.equal(nothing.summary.stages.find((s: { stage: string }) => s.stage === 'commit').details.skipped !== undefined, true);
});

test('a dataset whose bronze files vacuum --bronze deleted is not rebuilt from what is left: the new version upserts, and the run says so', async () => {
  const csvs = path.join(root, 'vacuumed');
  await fs.mkdir(csvs);
  await fs.writeFile(path.join(csvs, 'items_1.csv'), 'id,v\n1,a\n2,b\n');
  await fs.writeFile(path.join(csvs, 'items_2.csv'), 'id,v\n3,c\n');
  const dir = path.join(root, 'items');
  assert.equal((await runCli(['init', dir, '--from-csv', path.join(csvs, 'items_1.csv'), path.join(csvs, 'items_2.csv')], {})).code, 0);
  await run(dir);
  const vacuum = await runCli(['vacuum', '--bronze', '--keep-versions', '1', '--older-than', '0s', '--project', dir], { DATA_DIR: path.join(dir, 'data') });
  assert.equal(vacuum.code, 0, vacuum.stderr);
  // items_2.csv is gone from its sources too (the folder and the lake's bucket): nothing can put it back in bronze.
  for (const folder of [path.join(dir, 'sources'), path.join(dir, 'data', 'lake', 'sources')]) await fs.rm(path.join(folder, 'items_2.csv'));
  await fs.writeFile(path.join(dir, 'sources', 'items_1.csv'), 'id,v\n1,A\n');
  const upsert = await run(dir);
  assert.equal(upsert.silver.revised, undefined);
  assert.deepEqual(upsert.datasets['items'], { rows: 3, unresolved: 0 }, 'item 2 stays: its file is gone from bronze');
  assert.match(upsert.silver.warnings[0], /^items received a new version of a file it merged, but `datalake vacuum --bronze` deleted some of its bronze files/);
});

test('a corrected January re-sent after February takes January\'s place: February\'s updates of the same keys stay, as one run over the final files gives', async () => {
  const csvs = path.join(root, 'months');
  await fs.mkdir(csvs);
  await fs.writeFile(path.join(csvs, 'titles.csv'), 'show_id,title\ns1,One\ns2,Two\ns3,Three\n');
  const dir = path.join(root, 'titles');
  assert.equal((await runCli(['init', dir, '--from-csv', path.join(csvs, 'titles.csv')], {})).code, 0);
  await run(dir);
  await fs.writeFile(path.join(dir, 'sources', 'titles_2024-02.csv'), 'show_id,title\ns2,Two (updated in February)\ns4,Four\n');
  await run(dir);
  // January corrected: s1 withdrawn, s3 renamed; s2 as January had it.
  await fs.writeFile(path.join(dir, 'sources', 'titles.csv'), 'show_id,title\ns2,Two\ns3,Three (fixed)\n');
  await run(dir);
  const read = (d: string) => currentRows(d, 'titles');
  const expected = ['s2=Two (updated in February)', 's3=Three (fixed)', 's4=Four'];
  assert.deepEqual(await read(dir), expected);
  // The same final files in one run, and a full refresh: the same rows.
  const fresh = path.join(root, 'titles-fresh');
  await fs.cp(dir, fresh, { recursive: true });
  await fs.rm(path.join(fresh, 'data'), { recursive: true, force: true });
  await run(fresh);
  assert.deepEqual(await read(fresh), expected);
  await run(dir, '--full-refresh');
  assert.deepEqual(await read(dir), expected);
});

test('a file whose first version waited, fixed after a later file merged: the dataset is rebuilt with it in its place, as a full refresh gives', async () => {
  const csvs = path.join(root, 'waited');
  await fs.mkdir(csvs);
  await fs.writeFile(path.join(csvs, 'shows.csv'), 'show_id,title\ns0,Zero\n');
  const dir = path.join(root, 'shows');
  assert.equal((await runCli(['init', dir, '--from-csv', path.join(csvs, 'shows.csv')], {})).code, 0);
  await fs.rm(path.join(dir, 'sources', 'shows.csv'));
  // January with a broken header waits; February merges.
  await fs.writeFile(path.join(dir, 'sources', 'shows.csv'), 'id,title\ns1,One\ns2,Two\n');
  await fs.writeFile(path.join(dir, 'sources', 'shows_2024-02.csv'), 'show_id,title\ns2,Two (Feb)\ns4,Four\n');
  await run(dir);
  // January fixed: its rows come before February's, whose update of s2 stays.
  await fs.writeFile(path.join(dir, 'sources', 'shows.csv'), 'show_id,title\ns1,One\ns2,Two\ns3,Three\n');
  const fixed = await run(dir);
  assert.match(fixed.silver.revised[0], /^shows was rebuilt from its latest files, as shows\.csv came, whose first version waited/);
  const scratch = path.join(root, 'shows-full');
  await fs.cp(dir, scratch, { recursive: true });
  const full = await run(scratch, '--full-refresh');
  assert.deepEqual(full.datasets, fixed.datasets);
  const rows = (d: string) => currentRows(d, 'shows');
  assert.deepEqual(await rows(dir), ['s1=One', 's2=Two (Feb)', 's3=Three', 's4=Four']);
  assert.deepEqual(await rows(scratch), await rows(dir));
});

/** A project of one dataset `recs` (keyed by id, of the given columns, no rule) and a count KPI, with recs.csv in its sources. */
async function recsProject(name: string, columns: string, csv: string): Promise<string> {
  const dir = path.join(root, name);
  for (const sub of ['datasets', 'kpis', 'sources']) await fs.mkdir(path.join(dir, sub), { recursive: true });
  await fs.writeFile(path.join(dir, 'datalake.yml'), `name: ${name}\n`);
  await fs.writeFile(path.join(dir, 'datasets', 'recs.yml'), `key: id\ncolumns:\n${columns}`);
  await fs.writeFile(path.join(dir, 'kpis', 'n.yml'), 'title: n\nsql: SELECT count(*) AS n FROM recs\ncolumns:\n  n: integer\n');
  await fs.writeFile(path.join(dir, 'sources', 'recs.csv'), csv);
  return dir;
}

test('a corrected file that empties its dataset changes gold too: the KPIs count no row, as a full refresh gives', async () => {
  // No not_empty rule: an empty dataset is allowed here.
  const dir = await recsProject('emptied', '  id: integer\n  v: number\n', 'id,v\n1,10\n2,20\n');
  await run(dir);
  await fs.writeFile(path.join(dir, 'sources', 'recs.csv'), 'id,v\n');
  const emptied = await run(dir);
  assert.deepEqual(emptied.datasets, { recs: { rows: 0, unresolved: 0 } });
  assert.equal(emptied.summary.stages[2].details.skipped, undefined, 'gold is built again');
  const shown = await runCli(['show', 'n', '--json', '--project', dir], { DATA_DIR: path.join(dir, 'data') });
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual([JSON.parse(shown.stdout).version, JSON.parse(shown.stdout).rows], [2, [{ n: 0 }]]);
});

test('diff names the columns a definition added or removed between two versions, beside the rows compared on the others', async () => {
  const dir = await recsProject('drift', '  id: integer\n  v: number\n  old: text\n', 'id,v,old,channel\n1,10,a,web\n2,20,b,shop\n');
  await run(dir);
  await fs.writeFile(path.join(dir, 'datasets', 'recs.yml'), 'key: id\ncolumns:\n  id: integer\n  v: number\n  channel: text\n');
  await run(dir);
  const env = { DATA_DIR: path.join(dir, 'data') };
  const diff = await runCli(['diff', '1', '2', '--json', '--project', dir], env);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(JSON.parse(diff.stdout).tables.find((t: { table: string }) => t.table === 'silver/recs'), { table: 'silver/recs', added: 0, removed: 0, changed: 0, key: ['id'], columnsAdded: ['channel'], columnsRemoved: ['old'] });
  const text = await runCli(['diff', '1', '2', '--project', dir], env);
  assert.match(text.stdout, /^silver\/recs: \+0 added, -0 removed, ~0 changed \(by id\); column added: channel; column removed: old \(rows compared on the other columns\)$/m);
});
