import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// Statistics offices' tables through the built CLI: figures flagged after them (Statistics Canada's `490.3E` and a
// revised `"20,799.0 r"`, the ONS's `[p]`), marks of missing figures (`..`, `x`, `F`, `[x]`, `[c]`) and footnotes'
// references in the header (`Employment (x 1,000) 4`, `2023 [note 3]`). init types the figures, silver reads them
// without their flags, and a later download's revised figure replaces the one it revises.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-stat-flags-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const env = (name: string) => ({ DATA_DIR: path.join(root, `${name}-data`), DUCKDB_THREADS: '2' });

/** `init` of CSVs written as given into project `name`; returns the project folder and its dataset's definition. */
async function initFrom(name: string, files: Record<string, string>): Promise<{ dir: string; yaml: string }> {
  const csvs = path.join(root, `${name}-csvs`);
  await fs.mkdir(csvs, { recursive: true });
  for (const [file, text] of Object.entries(files)) await fs.writeFile(path.join(csvs, file), text);
  const dir = path.join(root, name);
  const init = await runCli(['init', dir, '--from-csv', ...Object.keys(files).map((f) => path.join(csvs, f))], env(name));
  assert.equal(init.code, 0, init.stderr);
  const [definition] = await fs.readdir(path.join(dir, 'datasets'));
  return { dir, yaml: await fs.readFile(path.join(dir, 'datasets', definition!), 'utf8') };
}

/** A KPI of the test's own (whatever starter init chose), and a run: its stdout, its silver counts of `dataset`, the KPI as served. */
async function run(name: string, dir: string, dataset: string, sql: string): Promise<{ stdout: string; rowsOut: number; quarantined: number; kpi: Record<string, unknown>[] }> {
  await fs.writeFile(path.join(dir, 'kpis', 'figures.yml'), `title: Figures\nsql: ${JSON.stringify(sql)}\ncolumns:\n  label: { type: string }\n  figure: { type: number }\nchart: { type: table }\n`);
  const r = await runCli(['run', '--json', '--project', dir], env(name));
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const { rowsOut, quarantined } = summary.stages[1].details.datasets[dataset];
  const show = await runCli(['show', 'figures', '--json', '--project', dir], env(name));
  assert.equal(show.code, 0, show.stderr);
  return { stdout: r.stdout, rowsOut, quarantined, kpi: (JSON.parse(show.stdout) as { rows: Record<string, unknown>[] }).rows };
}

const LFS_HEADER = 'Geography,Reference period,Employment,Unemployment rate\n';
const LFS = ['Canada,November 2023,"20,700.1",5.8', 'Ontario,November 2023,"8,050.2",6.3', 'Yukon,November 2023,23.1,x', 'Canada,December 2023,"20,718.5",7.8', 'Ontario,December 2023,"8,064.5",6.5', 'Yukon,December 2023,..,F'];
const CANADA_DECEMBER = "SELECT geography AS label, employment AS figure FROM lfs WHERE reference_period = 'December 2023' ORDER BY 1";

test("a revised figure (StatCan's \"20,799.0 r\") in the next download replaces the figure it revises, in a dataset keyed by place and period", async () => {
  const { dir, yaml } = await initFrom('lfs', { 'lfs.csv': LFS_HEADER + LFS.map((l) => `${l}\n`).join('') });
  assert.match(yaml, /^key: \[geography, reference_period\]$/m);
  // No flag in the first download, but StatCan's marks: its figures are declared with flags, for the revisions to come.
  assert.match(yaml, /^ {2}employment: \{ type: number, flags: true, null_values: \["\.\."\] \}/m, yaml);
  assert.match(yaml, /^ {2}unemployment_rate: \{ type: number, flags: true, null_values: \["F", "x"\] \}/m, yaml);
  const first = await run('lfs', dir, 'lfs', CANADA_DECEMBER);
  assert.deepEqual([first.rowsOut, first.quarantined], [6, 0]);
  assert.deepEqual(first.kpi, [{ label: 'Canada', figure: 20718.5 }, { label: 'Ontario', figure: 8064.5 }, { label: 'Yukon', figure: null }]);

  await fs.writeFile(path.join(dir, 'sources', 'lfs (1).csv'), LFS_HEADER + LFS.map((l) => `${l.replace('"20,718.5",7.8', '"20,799.0 r",4.3')}\n`).join('') + 'Yukon,January 2024,23.4E,x\n');
  const again = await run('lfs', dir, 'lfs', CANADA_DECEMBER);
  assert.deepEqual([again.rowsOut, again.quarantined], [7, 0]);
  assert.deepEqual(again.kpi, [{ label: 'Canada', figure: 20799 }, { label: 'Ontario', figure: 8064.5 }, { label: 'Yukon', figure: null }]);
});

test('a definition declaring StatCan\'s marks without flags (as init wrote it before) quarantines a flagged figure, the detail and the summary naming flags: true', async () => {
  const { dir } = await initFrom('before', { 'lfs.csv': LFS_HEADER + LFS.map((l) => `${l}\n`).join('') });
  const definition = path.join(dir, 'datasets', 'lfs.yml');
  await fs.writeFile(definition, (await fs.readFile(definition, 'utf8')).replaceAll('flags: true, ', ''));
  await fs.writeFile(path.join(dir, 'sources', 'lfs (1).csv'), `${LFS_HEADER}Canada,December 2023,"20,799.0 r",4.3\n`);
  const r = await runCli(['run', '--project', dir], env('before'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^lfs: 1 of the rows set aside holds figures with a flag after them, as statistics offices mark a revised or estimated one \("20,799\.0 r", 490\.3E, 12\.3 p\): declare flags: true on employment in datasets\/lfs\.yml to read it$/m, r.stdout);
  // Not the thousands' option, which would not read it.
  assert.doesNotMatch(r.stdout, /decimal_separator/);
  assert.deepEqual(await silverRows(env('before').DATA_DIR, 'quarantine/lfs', '', 'SELECT _detail FROM $t'), [
    { _detail: 'employment "20,799.0 r" is not a valid number (a flag after the figure, as statistics offices mark a revised or estimated one: declare flags: true on the column to read it)' },
  ]);
});

test("StatCan's table as its viewer downloads it (title lines, footnotes' numbers in the header, 490.3E use with caution, F too unreliable) and the ONS's ([x], [c], [note 3], a provisional [p]): typed and read", async () => {
  const statcan = [
    '"Labour force characteristics by province, monthly, seasonally adjusted 1 2 3"',
    '"Frequency: Monthly"',
    '"Table: 14-10-0287-01 (formerly CANSIM 282-0087)"',
    '',
    '"Geography","Reference period","Employment (x 1,000) 4","Unemployment rate (percent) 5"',
    '"Canada","January 2023","20,360.1","6.1"',
    '"Canada","February 2023","20,402.2 r","5.0"',
    '"Yukon","January 2023","23.1E","x"',
    '"Yukon","February 2023","F","5.9E"',
    '"Nunavut","January 2023","..","F"',
    '"Nunavut","February 2023","14.1E","6.8E"',
  ].join('\n');
  const sc = await initFrom('statcan', { '1410028701-eng.csv': `${statcan}\n` });
  assert.match(sc.yaml, /^ {2}employment_x_1_000: \{ type: number, flags: true, null_values: \["\.\.", "F"\] \} {3}# header "Employment \(x 1,000\) 4"; some figures written with a flag after them \(E, r: /m, sc.yaml);
  assert.match(sc.yaml, /^ {2}unemployment_rate_percent: \{ type: number, flags: true, null_values: \["F", "x"\] \} {3}# header "Unemployment rate \(percent\) 5"; some figures written with a flag after them \(E: /m, sc.yaml);
  const figures = await run('statcan', sc.dir, 'd_1410028701_eng', 'SELECT geography || \' \' || reference_period AS label, employment_x_1_000 + coalesce(unemployment_rate_percent, 0) / 1000 AS figure FROM d_1410028701_eng ORDER BY 1');
  assert.deepEqual([figures.rowsOut, figures.quarantined], [6, 0]);
  assert.deepEqual(figures.kpi.map((r) => [r['label'], r['figure'] === null ? null : Math.round(Number(r['figure']) * 10000) / 10000]), [
    ['Canada February 2023', 20402.205],
    ['Canada January 2023', 20360.1061],
    ['Nunavut February 2023', 14.1068],
    ['Nunavut January 2023', null],
    ['Yukon February 2023', null],
    ['Yukon January 2023', 23.1],
  ]);

  const ons = [
    '"Table 1: Live births by area, England and Wales, 2021 to 2023 [note 1][note 2]"',
    'Source: Office for National Statistics',
    'Area code,Area name,2022,2023 [note 3],Rate per 1000 [note 4]',
    'K02000001,United Kingdom,"554,933","149,627",10.5',
    'W92000004,Wales,"152,461","385,614 [p]",9.8',
    'S92000003,Scotland,[c],"353,469",[x]',
    'N92000002,Northern Ireland,"63,837",[x],11.2',
  ].join('\n');
  const on = await initFrom('ons', { 'ons_births_2023.csv': `${ons}\n` });
  assert.match(on.yaml, /^decimal_separator: "\."$/m, on.yaml);
  assert.match(on.yaml, /^ {2}c_2022: \{ type: number, flags: true, null_values: \["\[c\]"\] \} {3}# header "2022"$/m, on.yaml);
  assert.match(on.yaml, /^ {2}c_2023: \{ type: number, flags: true, null_values: \["\[x\]"\] \} {3}# header "2023 \[note 3\]"; some figures written with a flag after them \(\[p\]: /m, on.yaml);
  assert.match(on.yaml, /^ {2}rate_per_1000: \{ type: number, flags: true, null_values: \["\[x\]"\] \}/m, on.yaml);
  const births = await run('ons', on.dir, 'ons_births', 'SELECT area_name AS label, c_2023 AS figure FROM ons_births ORDER BY 1');
  assert.deepEqual([births.rowsOut, births.quarantined], [4, 0]);
  assert.deepEqual(births.kpi, [{ label: 'Northern Ireland', figure: null }, { label: 'Scotland', figure: 353469 }, { label: 'United Kingdom', figure: 149627 }, { label: 'Wales', figure: 385614 }]);
});
