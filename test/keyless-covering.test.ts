import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';

// Toggl's time entries for January (no id column), then a corrected download under a new name, an
// entry shortened from 200.00 to 100.00: the corrected file covers the first (its dates, most of its
// rows: covering.ts) and replaces its rows, rather than add the changed entry beside the old one. A
// statement over part of January's dates and February's covers nothing: only its new entry is added.
// Through the built CLI, file by file in either order and in one run, the same rows.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'keyless-covering-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const HEADER = 'User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()\n';
const STANDUP = 'Alice,alice@acme.io,Globex,Web,,Standup,Yes,2024-01-02,09:00:00,2024-01-02,09:15:00,00:15:00,,25.00\n';
const REVIEW = 'Alice,alice@acme.io,Globex,Web,,Code review,Yes,2024-01-02,09:30:00,2024-01-02,11:30:00,02:00:00,,200.00\n';
const SHORTENED = 'Alice,alice@acme.io,Globex,Web,,Code review,Yes,2024-01-02,09:30:00,2024-01-02,10:30:00,01:00:00,,100.00\n';
const DEPLOY = 'Bob,bob@acme.io,Initech,App,,Deploy,Yes,2024-01-22,10:00:00,2024-01-22,11:00:00,01:00:00,,100.00\n';
const PLANNING = 'Bob,bob@acme.io,Initech,App,,Planning,Yes,2024-02-05,14:00:00,2024-02-05,14:30:00,00:30:00,,50.00\n';
const FIRST = 'Toggl_time_entries_2024-01-01_to_2024-01-31.csv';
const CORRECTED = 'Toggl_time_entries_2024-01-01_to_2024-01-31 (1).csv';
const STATEMENT = 'Toggl_time_entries_2024-01-15_to_2024-02-15.csv';
const FILES: Record<string, string> = { [CORRECTED]: HEADER + STANDUP + SHORTENED + DEPLOY, [STATEMENT]: HEADER + DEPLOY + PLANNING };
const DATASET = 'toggl_time_entries';
const KPI = 'billed';
const COVERS = `${DATASET}: ${CORRECTED} covers ${FIRST} (its dates, 2 of its 3 rows): replaces its rows`;

type Project = { dir: string; env: Record<string, string> };

/** `init --from-csv` of the first download: a project of its own, with its data folder, and a KPI of the entries and their amount. */
async function project(name: string): Promise<Project> {
  const csv = path.join(root, `${name}-csvs`, FIRST);
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, HEADER + STANDUP + REVIEW + DEPLOY);
  const dir = path.join(root, name);
  const env = { DATA_DIR: path.join(root, `${name}-data`), DUCKDB_THREADS: '2' };
  const init = await runCli(['init', dir, '--from-csv', csv], env);
  assert.equal(init.code, 0, init.stderr);
  assert.match(await fs.readFile(path.join(dir, 'datasets', `${DATASET}.yml`), 'utf8'), /^# No key: rows are appended/m);
  await fs.writeFile(path.join(dir, 'kpis', `${KPI}.yml`), `title: Billed\nsql: SELECT count(*) AS entries, sum(amount)::DOUBLE AS amount FROM ${DATASET}\ncolumns:\n  entries: { type: integer }\n  amount: { type: number }\nchart: { type: table }\n`);
  return { dir, env };
}

const cli = async (p: Project, args: string[]) => {
  const r = await runCli([...args, '--project', p.dir], p.env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

/** The KPI as served: entries and amount. */
const billed = async (p: Project) => (JSON.parse(await cli(p, ['show', KPI, '--json'])) as { rows: Record<string, unknown>[] }).rows[0];

/** A run after dropping `files` in the sources folder: its summary's lines, the silver figures of its record for the dataset. */
async function run(p: Project, ...files: string[]) {
  for (const f of files) await fs.writeFile(path.join(p.dir, 'sources', f), FILES[f]!);
  const stdout = await cli(p, ['run']);
  const runId = /^run (\S+) completed/m.exec(stdout)![1]!;
  const record = JSON.parse(await fs.readFile(path.join(p.env['DATA_DIR']!, 'lake', 'runs', `${runId}.json`), 'utf8'));
  return { lines: stdout.split('\n'), stats: record.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets[DATASET] };
}

/** The dataset's rows in the lake's current version (`verify silver`), sorted, without the file each came from. */
async function rowsOf(p: Project): Promise<unknown[]> {
  const verify = JSON.parse(await cli(p, ['verify', 'silver', '--json', '--rows', '100'])) as { objects: { key: string; sample: Record<string, unknown>[] }[] };
  return verify.objects.filter((o) => o.key.startsWith(`${DATASET}/`)).flatMap((o) => o.sample.map(({ _source, ...r }) => JSON.stringify(r))).sort();
}

test('a corrected download under a new name replaces the first; a statement over part of its dates adds its new entry; file by file and in one run alike', async () => {
  const daily = await project('daily');
  await run(daily);
  assert.deepEqual(await billed(daily), { entries: 3, amount: 325 });

  const corrected = await run(daily, CORRECTED);
  assert.ok(corrected.lines.includes(`${DATASET}: 1 new file, 3 rows merged (3 replacing earlier rows), 3 rows in silver`), corrected.lines.join('\n'));
  assert.ok(corrected.lines.includes(COVERS), corrected.lines.join('\n'));
  assert.deepEqual(corrected.stats.covers, [{ file: CORRECTED, covered: FIRST, shared: 2, rows: 3 }]);
  assert.deepEqual(await billed(daily), { entries: 3, amount: 225 });

  // The version before the correction comes back with a rollback, its rows as they were.
  assert.match(await cli(daily, ['history']), /^v2 .*silver\/toggl_time_entries 3 → 3/m);
  await cli(daily, ['rollback', '1']);
  assert.deepEqual(await billed(daily), { entries: 3, amount: 325 });
  // The corrected file, still in the sources folder, is read again by the next run.
  assert.ok((await run(daily)).lines.includes(COVERS));
  assert.deepEqual(await billed(daily), { entries: 3, amount: 225 });

  const statement = await run(daily, STATEMENT);
  assert.ok(statement.lines.includes(`${DATASET}: 1 new file, 1 row merged (0 replacing earlier rows), 4 rows in silver, 1 row already loaded from another file: not added again`), statement.lines.join('\n'));
  assert.equal(statement.stats.covers, undefined);
  assert.deepEqual(await billed(daily), { entries: 4, amount: 275 });
  const expected = await rowsOf(daily);
  assert.equal(expected.length, 4);

  // Every file in one first run: the first superseded, the same rows.
  const once = await project('once');
  const both = await run(once, CORRECTED, STATEMENT);
  assert.ok(both.lines.includes(COVERS), both.lines.join('\n'));
  assert.deepEqual([both.stats.rowsIn, both.stats.superseded, both.stats.alreadyLoaded, both.stats.rows], [8, 3, 1, 4]);
  assert.deepEqual(await rowsOf(once), expected);

  // The statement before the correction: its Deploy was left out as the first download's, whose rows the
  // correction withdraws, so the dataset is rebuilt from its latest files, each covering judged on all their rows.
  const late = await project('late');
  await run(late);
  await run(late, STATEMENT);
  const rebuilt = await run(late, CORRECTED);
  assert.ok(rebuilt.lines.includes(`silver: ${DATASET} was rebuilt from its latest files, as ${CORRECTED} covers ${FIRST}, whose dates ${STATEMENT} shares, some of its rows perhaps left out as repeating ${FIRST}'s: 4 → 4 rows`), rebuilt.lines.join('\n'));
  assert.ok(rebuilt.lines.includes(COVERS), rebuilt.lines.join('\n'));
  assert.deepEqual(await billed(late), { entries: 4, amount: 275 });
  assert.deepEqual(await rowsOf(late), expected);
});
