import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { startServer } from './support/load.js';
import { silverRows } from './support/lake-rows.js';

// Files as public data sets and spreadsheet exports write them, through the built CLI: years as
// column names, a field with no name (a trailing delimiter), one name twice, timestamps with UTC
// offsets, monthly exports whose columns move, and two tables with equal files. What `init --from-csv`
// declares must load every value, and `check --sources` must suggest lines that load too.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-headers-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

/** Writes the CSV `files` into a folder of their own, then `init <project> --from-csv` on them all; returns the project folder. */
async function initFrom(folder: string, files: Record<string, string>, project: string): Promise<string> {
  const csvs = path.join(root, folder);
  await fs.mkdir(csvs, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(csvs, name), text);
  const dir = path.join(root, project);
  const init = await runCli(['init', dir, '--from-csv', ...Object.keys(files).map((f) => path.join(csvs, f))], {});
  assert.equal(init.code, 0, init.stderr);
  return dir;
}

/** `run --json` of a project into `dataDir`, which must succeed; returns its summary. */
async function runProject(dir: string, dataDir: string) {
  const run = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}


test('init --from-csv on year columns, an unnamed column, a repeated name and offset timestamps: every value loads', async () => {
  const dir = await initFrom(
    'csvs',
    {
      'population.csv': 'Country,2019,2020,% change,Note,note,\nFR,67.2,67.4,0.3,a,b,\nBE,11.5,11.6,0.9,,c,x\n',
      'events.csv': 'id,at\n1,2024-01-05T11:30:00+02:00\n2,2024-01-05T11:30:00Z\n3,2024-01-05 11:30:00-0500\n',
    },
    'project',
  );
  const population = await fs.readFile(path.join(dir, 'datasets', 'population.yml'), 'utf8');
  assert.match(population, /^ {2}c_2019: \{ type: number \} {3}# header "2019"$/m);
  // `Note` and `note` are one name but for case: each is declared with its spelling, matched in any order.
  assert.match(population, /^ {2}note: \{ type: text, header: "Note" \}$/m);
  assert.match(population, /^ {2}note_2: \{ type: text, header: "note" \}$/m);
  assert.match(population, /^ {2}column_7: \{ type: text \} {3}# no name in the header$/m);

  const dataDir = path.join(root, 'data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[0].details.ignoredColumns, undefined, 'no column of the files is ignored');
  assert.deepEqual(
    await silverRows(dataDir, 'population', summary.runId, 'SELECT country, c_2019, c_2020, pct_change, note, note_2, column_7 FROM $t ORDER BY country'),
    [
      { country: 'BE', c_2019: 11.5, c_2020: 11.6, pct_change: 0.9, note: null, note_2: 'c', column_7: 'x' },
      { country: 'FR', c_2019: 67.2, c_2020: 67.4, pct_change: 0.3, note: 'a', note_2: 'b', column_7: null },
    ],
  );
  // The instant each value names, in UTC: the offset is not dropped.
  assert.deepEqual(await silverRows(dataDir, 'events', summary.runId, 'SELECT id, CAST("at" AS VARCHAR) AS "at" FROM $t ORDER BY id'), [
    { id: 1, at: '2024-01-05 09:30:00' },
    { id: 2, at: '2024-01-05 11:30:00' },
    { id: 3, at: '2024-01-05 16:30:00' },
  ]);

  // A new year arrives as a column: the line check --sources suggests loads it.
  await fs.writeFile(path.join(dir, 'sources', 'population.csv'), 'Country,2019,2020,% change,Note,note,,2021\nFR,67.2,67.4,0.3,a,b,,67.7\n');
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /^ {6}c_2021: \{ type: number \} {3}# header "2021"$/m, check.stdout);
  await fs.writeFile(path.join(dir, 'datasets', 'population.yml'), population.replace(/^rules:/m, '  c_2021: { type: number }\nrules:'));
  const again = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'population', again.runId, 'SELECT country, c_2021 FROM $t'), [{ country: 'FR', c_2021: 67.7 }]);
});

test('an export not quoting a value that holds its delimiter (`Paris, Texas`): the lines it makes wider type no column, the run quarantines them where the reader would load them shifted; quoted, and rows ending with delimiters, load', async () => {
  const dir = await initFrom(
    'wide',
    {
      // Lines 4 and 6 are a field too wide: the first, its discount empty, reads as a row of `Texas` and amount `USA`.
      'orders.csv': 'order_id,customer,city,country,amount,discount\n1,c1,Lyon,France,1.50,\n2,c2,Lyon,France,3.00,5.00\n3,c3,Paris, Texas,USA,4.50,\n4,c4,Lyon,France,6.00,\n5,c5,Paris, Texas,USA,7.50,5.00\n6,c6,"Paris, Texas",USA,9.00,\n7,c7,Lyon,France,10.50,\n',
      // Every line ends with the delimiter, the header's too; and only the rows (SAP's exports).
      'stores.csv': 'store,city,opened,\nS1,Lyon,2020-01-06,\nS2,Paris,2021-05-03,\nS3,Nice,,\n',
      'ventes.csv': 'vente;ville;montant\nV1;BOURG;12.50;\nV2;PARIS;;\nV3;LYON;7.25;\n',
    },
    'wide-project',
  );
  const orders = await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8');
  assert.match(orders, /^ {2}amount: \{ type: number \}$/m, orders);
  assert.match(orders, /^ {2}country: \{ type: text \}$/m);
  const dataDir = path.join(root, 'wide-data');
  const summary = await runProject(dir, dataDir);
  const { datasets } = summary.stages[1].details;
  assert.deepEqual([datasets.orders.rowsIn, datasets.orders.rowsOut, datasets.orders.quarantined], [7, 5, 2]);
  assert.deepEqual(await silverRows(dataDir, 'orders', summary.runId, 'SELECT order_id, city, country, amount FROM $t ORDER BY order_id'), [
    { order_id: 1, city: 'Lyon', country: 'France', amount: 1.5 },
    { order_id: 2, city: 'Lyon', country: 'France', amount: 3 },
    { order_id: 4, city: 'Lyon', country: 'France', amount: 6 },
    { order_id: 6, city: 'Paris, Texas', country: 'USA', amount: 9 },
    { order_id: 7, city: 'Lyon', country: 'France', amount: 10.5 },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'quarantine/orders', '', 'SELECT _line, _reason, _raw_line FROM $t ORDER BY _line'), [
    { _line: 4, _reason: 'malformed_line:too_many_columns', _raw_line: '3,c3,Paris, Texas,USA,4.50,' },
    { _line: 6, _reason: 'malformed_line:too_many_columns', _raw_line: '5,c5,Paris, Texas,USA,7.50,5.00' },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'stores', summary.runId, "SELECT store, city, strftime(opened, '%Y-%m-%d') AS opened FROM $t ORDER BY store"), [
    { store: 'S1', city: 'Lyon', opened: '2020-01-06' },
    { store: 'S2', city: 'Paris', opened: '2021-05-03' },
    { store: 'S3', city: 'Nice', opened: null },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'ventes', summary.runId, 'SELECT vente, ville, montant FROM $t ORDER BY vente'), [
    { vente: 'V1', ville: 'BOURG', montant: 12.5 },
    { vente: 'V2', ville: 'PARIS', montant: null },
    { vente: 'V3', ville: 'LYON', montant: 7.25 },
  ]);
  assert.deepEqual([datasets.stores.quarantined, datasets.ventes.quarantined], [0, 0]);
});

test('init --from-csv: monthly files with reordered or added columns are one dataset typed from all of them; equal files of two datasets both load', async () => {
  const dir = await initFrom('monthly', {
    'orders_2024-01.csv': 'order_id,amount,status\n1,10,ok\n2,20,ok\n',
    'orders_2024-02.csv': 'amount,order_id,status\n30,3,ok\n',
    'orders_2024-03.csv': 'order_id,amount,status,channel\n4,4.5,ok,web\n',
    'priorities.csv': 'code,label\n1,Low\n2,High\n',
    'severities.csv': 'code,label\n1,Low\n2,High\n',
  }, 'monthly-project');
  assert.deepEqual((await fs.readdir(path.join(dir, 'datasets'))).sort(), ['orders.yml', 'priorities.yml', 'severities.yml']);
  const orders = await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8');
  assert.match(orders, /^files: "orders\*\.csv"$/m);
  assert.match(orders, /^key: order_id$/m);
  assert.match(orders, /^ {2}amount: \{ type: number \}$/m, 'typed from every file: 4.5 is in the last one');
  assert.match(orders, /^ {2}channel: \{ type: text \}$/m);

  const dataDir = path.join(root, 'monthly-data');
  const summary = await runProject(dir, dataDir);
  const datasets = summary.stages[1].details.datasets;
  assert.deepEqual([datasets.orders.rowsOut, datasets.orders.quarantined, datasets.priorities.rowsOut, datasets.severities.rowsOut], [4, 0, 2, 2]);
  assert.deepEqual(await silverRows(dataDir, 'orders', summary.runId, 'SELECT order_id, amount, channel FROM $t ORDER BY order_id'), [
    { order_id: 1, amount: 10, channel: null },
    { order_id: 2, amount: 20, channel: null },
    { order_id: 3, amount: 30, channel: null },
    { order_id: 4, amount: 4.5, channel: 'web' },
  ]);

  // A later month names a column twice: it waits, and check --sources gives the line that loads it.
  await fs.writeFile(path.join(dir, 'sources', 'orders_2024-04.csv'), 'order_id,amount,status,amount\n5,7,ok,8\n');
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /orders_2024-04\.csv → orders: waits in quarantine: orders_2024-04\.csv: column "amount" appears twice in the header\n(?: {4}optional.*\n)? {4}add under columns: in datasets\/orders\.yml:\n {6}amount_2: \{ type: number \} {3}# header "amount"$/m, check.stdout);
  await fs.writeFile(path.join(dir, 'datasets', 'orders.yml'), orders.replace(/^rules:/m, '  amount_2: { type: number }\nrules:'));
  const again = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'orders', again.runId, 'SELECT order_id, amount, amount_2 FROM $t WHERE order_id = 5'), [{ order_id: 5, amount: 7, amount_2: 8 }]);
});

test('two headers one name but for case or punctuation (`Email`, `EMAIL`; `E-mail`, `email`): a later file ordering them otherwise keeps each value in its column; a definition not saying which is which refuses the file in one line, nothing swapped', async () => {
  const dir = await initFrom('spellings', {
    'contacts_2024-01.csv': 'id,Email,EMAIL,name\n1,a@home.com,A@WORK.COM,Ann\n2,b@home.com,B@WORK.COM,Bob\n',
    'people_2024-01.csv': 'id,E-mail,email\n1,ann@old.org,ann@new.org\n',
  }, 'spellings-project');
  const contacts = await fs.readFile(path.join(dir, 'datasets', 'contacts.yml'), 'utf8');
  // (Personal data, as init declares e-mail addresses.)
  assert.match(contacts, /^ {2}email: \{ type: text, header: "Email", personal: true \} {3}# personal data/m);
  assert.match(contacts, /^ {2}email_2: \{ type: text, header: "EMAIL", personal: true \} {3}# personal data/m);
  const people = await fs.readFile(path.join(dir, 'datasets', 'people.yml'), 'utf8');
  assert.match(people, /^ {2}e_mail: \{ type: text, header: "E-mail", personal: true \} {3}# personal data/m);
  assert.match(people, /^ {2}email_2: \{ type: text, header: "email", personal: true \} {3}# personal data/m);
  const dataDir = path.join(root, 'spellings-data');
  await runProject(dir, dataDir);

  // Next month's exports put the two columns the other way round.
  await fs.writeFile(path.join(dir, 'sources', 'contacts_2024-02.csv'), 'id,name,EMAIL,Email\n3,Cy,C@WORK.COM,c@home.com\n');
  await fs.writeFile(path.join(dir, 'sources', 'people_2024-02.csv'), 'id,email,E-mail\n2,bob@new.org,bob@old.org\n');
  const second = await runProject(dir, dataDir);
  assert.deepEqual(second.stages[1].details.datasets.contacts.waitingFiles ?? [], []);
  assert.deepEqual(await silverRows(dataDir, 'contacts', second.runId, 'SELECT id, email, email_2, name FROM $t ORDER BY id'), [
    { id: 1, email: 'a@home.com', email_2: 'A@WORK.COM', name: 'Ann' },
    { id: 2, email: 'b@home.com', email_2: 'B@WORK.COM', name: 'Bob' },
    { id: 3, email: 'c@home.com', email_2: 'C@WORK.COM', name: 'Cy' },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'people', second.runId, 'SELECT id, e_mail, email_2 FROM $t ORDER BY id'), [
    { id: 1, e_mail: 'ann@old.org', email_2: 'ann@new.org' },
    { id: 2, e_mail: 'bob@old.org', email_2: 'bob@new.org' },
  ]);

  // A definition written without those headers (by hand, or by an earlier init): each such file waits
  // in quarantine, saying which headers and what to declare, rather than be read by its order.
  await fs.writeFile(path.join(dir, 'datasets', 'contacts.yml'), contacts.replace(/, header: "[^"]*"/g, '').replace('severity: fatal', 'severity: warn'));
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /^✖ contacts_2024-02\.csv → contacts: waits in quarantine: contacts_2024-02\.csv: headers "EMAIL" and "Email" differ only by case, spaces or punctuation, and nothing says which fills email and which email_2 \(by their order, another file's order would swap their values\): give each of those columns in datasets\/contacts\.yml its exact header, header: "EMAIL" on one, header: "Email" on the other$/m, check.stdout);
  const refused = await runProject(dir, dataDir);
  const waiting = refused.stages[1].details.datasets.contacts.waitingFiles.map((w: { file: string; reason: string }) => [path.basename(w.file), w.reason.split(':')[1]]);
  assert.deepEqual(waiting, [['contacts_2024-01.csv', ' headers "Email" and "EMAIL" differ only by case, spaces or punctuation, and nothing says which fills email and which email_2 (by their order, another file\'s order would swap their values)'], ['contacts_2024-02.csv', ' headers "EMAIL" and "Email" differ only by case, spaces or punctuation, and nothing says which fills email and which email_2 (by their order, another file\'s order would swap their values)']]);
  assert.deepEqual([refused.stages[1].details.datasets.contacts.rowsOut, refused.stages[1].details.datasets.contacts.rows], [0, 0]);
});

test('init --from-csv on monthly files ordering two spellings of one name otherwise: each column typed from its own values in both', async () => {
  const dir = await initFrom('spellings-both', {
    'scores_2024-01.csv': 'id,Score,SCORE\n1,10,A\n2,20,B\n',
    'scores_2024-02.csv': 'id,SCORE,Score\n3,C,30\n',
  }, 'spellings-both-project');
  const scores = await fs.readFile(path.join(dir, 'datasets', 'scores.yml'), 'utf8');
  assert.match(scores, /^ {2}score: \{ type: integer, header: "Score" \}$/m);
  assert.match(scores, /^ {2}score_2: \{ type: text, header: "SCORE" \}$/m);
  const dataDir = path.join(root, 'spellings-both-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'scores', summary.runId, 'SELECT id, score, score_2 FROM $t ORDER BY id'), [
    { id: 1, score: 10, score_2: 'A' },
    { id: 2, score: 20, score_2: 'B' },
    { id: 3, score: 30, score_2: 'C' },
  ]);
});

test('init --from-csv on a World Bank download and an Excel sep= export: the lines before the header are skipped, and every row loads', async () => {
  const worldBank =
    '\uFEFF"Data Source","World Development Indicators",\r\n\r\n"Last Updated Date","2024-06-28",\r\n\r\n' +
    '"Country Name","Country Code","Indicator Name","Indicator Code","1960","1961","2023",\r\n' +
    '"Aruba","ABW","Population, total","SP.POP.TOTL","54608","55811","106277",\r\n' +
    '"Africa Eastern and Southern","AFE","Population, total","SP.POP.TOTL","130692579","134169237","",\r\n' +
    '"Afghanistan","AFG","Population, total","SP.POP.TOTL","8622466","8790140","42239854",\r\n';
  const dir = await initFrom('preambles', { 'API_SP.POP.TOTL_DS2_en_csv_v2_1.csv': worldBank, 'ventes.csv': 'sep=;\nmagasin;montant\nParis;12,5\nLyon;3\n' }, 'preamble-project');
  const definition = path.join(dir, 'datasets', 'api_sp_pop_totl_ds2_en_csv_v2.yml');
  const population = await fs.readFile(definition, 'utf8');
  assert.match(population, /^skip_lines: 4$/m);
  assert.match(population, /^key: country_code$/m);
  assert.match(population, /^ {2}c_1960: \{ type: integer \} {3}# header "1960"$/m);
  const ventes = await fs.readFile(path.join(dir, 'datasets', 'ventes.yml'), 'utf8');
  for (const line of [/^delimiter: ";"$/m, /^skip_lines: 1$/m, /^decimal_separator: ","$/m]) assert.match(ventes, line);

  // First without skip_lines (and not_empty a warning): the notes are the header, the file waits, and the message says where the header is.
  await fs.writeFile(definition, population.replace(/^skip_lines: 4\n/m, '').replace('severity: fatal', 'severity: warn'));
  const dataDir = path.join(root, 'preamble-data');
  const waiting = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(waiting.code, 0, waiting.stderr);
  assert.match(waiting.stdout, /bronze: waits in quarantine, not ingested: API_SP\S*: its header looks like line 5, where skip_lines \(0\) in datasets\/api_sp_pop_totl_ds2_en_csv_v2\.yml reads line 1/);

  // As init wrote it: the file is ingested, and every row loads.
  await fs.writeFile(definition, population);
  const summary = await runProject(dir, dataDir);
  const datasets = summary.stages[1].details.datasets;
  const loaded = datasets.api_sp_pop_totl_ds2_en_csv_v2;
  assert.deepEqual([loaded.rowsIn, loaded.rowsOut, loaded.quarantined, loaded.rows, datasets.ventes.rows], [3, 3, 0, 3, 2]);
  assert.deepEqual(await silverRows(dataDir, 'api_sp_pop_totl_ds2_en_csv_v2', summary.runId, 'SELECT country_code, c_1960, c_2023 FROM $t ORDER BY country_code'), [
    { country_code: 'ABW', c_1960: 54608, c_2023: 106277 },
    { country_code: 'AFE', c_1960: 130692579, c_2023: null },
    { country_code: 'AFG', c_1960: 8622466, c_2023: 42239854 },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'ventes', summary.runId, 'SELECT magasin, montant FROM $t ORDER BY magasin'), [
    { magasin: 'Lyon', montant: 3 },
    { magasin: 'Paris', montant: 12.5 },
  ]);
  // A later download without the notes: check --sources says where its header is, and run keeps it waiting, not read as empty rows.
  const rows = Array.from({ length: 6 }, (_, i) => `"C${i}","C0${i}","Population, total","SP.POP.TOTL","${i}","${i}","${i}",`);
  await fs.writeFile(path.join(dir, 'sources', 'API_SP.POP.TOTL_DS2_en_csv_v2_2.csv'), ['"Country Name","Country Code","Indicator Name","Indicator Code","1960","1961","2023",', ...rows, ''].join('\n'));
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /API_SP\.POP\.TOTL_DS2_en_csv_v2_2\.csv → api_sp_pop_totl_ds2_en_csv_v2: waits in quarantine: .*its header looks like line 1, where skip_lines \(4\) in datasets\/api_sp_pop_totl_ds2_en_csv_v2\.yml reads line 5/, check.stdout);
  const later = await runProject(dir, dataDir);
  assert.match(later.stages[0].details.quarantined['API_SP.POP.TOTL_DS2_en_csv_v2_2.csv'], /its header looks like line 1, where skip_lines \(4\)/);
  assert.equal(typeof later.stages[1].details.skipped, 'string', 'silver has nothing new: the rows stay as they were');

  // A KPI integer past 2^53 would be served rounded: the run fails before its commit, saying what to write.
  const kpi = path.join(dir, 'kpis', 'world_total.yml');
  await fs.writeFile(kpi, 'title: World\nsql: SELECT sum(c_1960)::HUGEINT * 1000000000 AS total FROM api_sp_pop_totl_ds2_en_csv_v2\ncolumns:\n  total: integer\n');
  const rounded = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(rounded.code, 1);
  assert.match(rounded.stderr, /kpis\/world_total\.yml: column "total" has a value beyond ±2\^53 \(9007199254740991\), which a JSON number cannot hold exactly[\s\S]*declare it string and cast it in the SELECT \(total::VARCHAR\)/);
  await fs.writeFile(kpi, 'title: World\nsql: SELECT (sum(c_1960)::HUGEINT * 1000000000)::VARCHAR AS total FROM api_sp_pop_totl_ds2_en_csv_v2\ncolumns:\n  total: string\n');
  await runProject(dir, dataDir);
});

test('a windows-1252 export (Excel, Latin-1): init declares its encoding, bronze keeps its bytes, silver reads its accents', async () => {
  const bytes = Buffer.from('id;nom;ville;montant\r\n1;Ren\xe9;Orl\xe9ans;12,5\r\n2;Zo\xeb;\x80uro;3\r\n3;Fran\xe7ois;B\xe9ziers;4,25\r\n', 'latin1');
  const csvs = path.join(root, 'latin');
  await fs.mkdir(csvs, { recursive: true });
  await fs.writeFile(path.join(csvs, 'clients_fr.csv'), bytes);
  const dir = path.join(root, 'latin-project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'clients_fr.csv')], {});
  assert.equal(init.code, 0, init.stderr);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'clients_fr.yml'), 'utf8'), /^encoding: windows-1252$/m);
  const dataDir = path.join(root, 'latin-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'clients_fr', summary.runId, 'SELECT id, nom, ville, montant FROM $t ORDER BY id'), [
    { id: 1, nom: 'René', ville: 'Orléans', montant: 12.5 },
    { id: 2, nom: 'Zoë', ville: '€uro', montant: 3 },
    { id: 3, nom: 'François', ville: 'Béziers', montant: 4.25 },
  ]);
  const [bronze] = await fs.readdir(path.join(dataDir, 'lake', 'bronze', 'clients_fr'));
  assert.ok((await fs.readFile(path.join(dataDir, 'lake', 'bronze', 'clients_fr', bronze!, 'clients_fr.csv'))).equals(bytes), 'bronze keeps the bytes received');
  // The explorer's preview of that bronze file reads it as silver does.
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    const preview = (await (await fetch(`${url}/api/lake/bronze/preview?key=${encodeURIComponent(`clients_fr/${bronze}/clients_fr.csv`)}`)).json()) as { rows: { nom: string }[] };
    assert.deepEqual(preview.rows.map((r) => r.nom), ['René', 'Zoë', 'François']);
  } finally {
    server.kill('SIGTERM');
  }
  // A re-export saved as Excel's "CSV UTF-8" (a BOM) into the same dataset: read as UTF-8, not as mojibake.
  await fs.writeFile(path.join(dir, 'sources', 'clients_fr_utf8.csv'), '\uFEFFid;nom;ville;montant\r\n5;Chloé;Besançon;2\r\n');
  const utf8 = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'clients_fr', utf8.runId, 'SELECT nom, ville FROM $t WHERE id = 5'), [{ nom: 'Chloé', ville: 'Besançon' }]);
  // A later file in the same encoding with a new column: check --sources reads its header as such.
  await fs.writeFile(path.join(dir, 'sources', 'clients_fr_2.csv'), Buffer.from('id;nom;ville;montant;r\xe9gion\r\n4;L\xe9a;Nancy;1;Lorraine\r\n', 'latin1'));
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /^ {6}region: \{ type: text \} {3}# header "région"$/m, check.stdout);
});

test('three Chinese city names in a GBK export: init refuses it, naming GB18030 and a copy beside it; bronze sets it aside in a windows-1252 dataset, where a sparse Western file loads', async () => {
  const csvs = path.join(root, 'sparse');
  await fs.mkdir(csvs, { recursive: true });
  const rows = (city: (i: number) => Buffer) => Buffer.concat([Buffer.from('order_id,customer,city,amount\r\n'), ...Array.from({ length: 500 }, (_, i) => Buffer.concat([Buffer.from(`${i + 1},C${i},`), city(i), Buffer.from(',9.98\r\n')]))]);
  // 北京, 上海, 广州 in rows 11, 201 and 351: windows-1252 read ±±¾©, ÉÏº£, ¹ãÖÝ.
  const gbk: Record<number, number[]> = { 10: [0xb1, 0xb1, 0xbe, 0xa9], 200: [0xc9, 0xcf, 0xba, 0xa3], 350: [0xb9, 0xe3, 0xd6, 0xdd] };
  await fs.writeFile(path.join(csvs, 'orders_gbk.csv'), rows((i) => Buffer.from(gbk[i] ?? Buffer.from('Paris'))));
  const init = await runCli(['init', path.join(root, 'sparse-gbk'), '--from-csv', path.join(csvs, 'orders_gbk.csv')], {});
  assert.equal(init.code, 1);
  assert.match(init.stderr, /error: orders_gbk\.csv is neither UTF-8 nor windows-1252 text: its bytes pair as Chinese GBK \(GB18030\) writes them, which windows-1252 would garble/);
  assert.ok(init.stderr.includes(`hint: save it as UTF-8, for example: iconv -f GB18030 -t UTF-8 ${path.join(csvs, 'orders_gbk.csv')} > ${path.join(csvs, 'orders_gbk.utf8.csv')}, and give that file instead`), init.stderr);
  // A Western export with one accented name (Ærø) is windows-1252; a later GBK file of that dataset waits, not garbled.
  await fs.writeFile(path.join(csvs, 'orders.csv'), rows((i) => Buffer.from(i === 10 ? '\xc6r\xf8' : 'Paris', 'latin1')));
  const dir = path.join(root, 'sparse-project');
  assert.equal((await runCli(['init', dir, '--from-csv', path.join(csvs, 'orders.csv')], {})).code, 0);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8'), /^encoding: windows-1252$/m);
  await fs.copyFile(path.join(csvs, 'orders_gbk.csv'), path.join(dir, 'sources', 'orders_gbk.csv'));
  const dataDir = path.join(root, 'sparse-data');
  const summary = await runProject(dir, dataDir);
  assert.match(summary.stages[0].details.quarantined['orders_gbk.csv'], /^orders_gbk\.csv is neither UTF-8 nor windows-1252 text: its bytes pair as Chinese GBK/);
  assert.deepEqual(await silverRows(dataDir, 'orders', summary.runId, "SELECT count(*)::INT AS n, count(*) FILTER (WHERE city = 'Ærø')::INT AS aero FROM $t"), [{ n: 500, aero: 1 }]);
});

test('a dBase export ending with Ctrl-Z, after its last date or alone on its line: init types the date, the run loads every row, bronze keeps the bytes and counts as silver reads', async () => {
  const rows = Array.from({ length: 200 }, (_, i) => `${1000 + i},CUSTOMER ${i},${(i * 7.31).toFixed(2)},${String((i % 12) + 1).padStart(2, '0')}/15/1998`).join('\r\n');
  for (const [name, end] of [['dbase_export.txt', '\x1a'], ['dbase_lines.txt', '\r\n\x1a']] as const) {
    const bytes = Buffer.from(`ID,NAME,AMOUNT,DATE\r\n${rows}${end}`);
    const csvs = path.join(root, 'dbase');
    await fs.mkdir(csvs, { recursive: true });
    await fs.writeFile(path.join(csvs, name), bytes);
    const dir = path.join(root, `${name}-project`);
    const init = await runCli(['init', dir, '--from-csv', path.join(csvs, name)], {});
    assert.equal(init.code, 0, init.stderr);
    const dataset = name.replace('.txt', '');
    assert.match(await fs.readFile(path.join(dir, 'datasets', `${dataset}.yml`), 'utf8'), /^ {2}date: \{ type: date, format: "%m\/%d\/%Y" \}/m);
    const dataDir = path.join(root, `${name}-data`);
    const summary = await runProject(dir, dataDir);
    assert.deepEqual([summary.stages[0].rowsOut, summary.stages[1].quarantined], [200, 0]);
    assert.deepEqual(await silverRows(dataDir, dataset, summary.runId, 'SELECT count(*)::INT AS n, CAST(max("date") AS VARCHAR) AS last FROM $t'), [{ n: 200, last: '1998-12-15' }]);
    const [day] = await fs.readdir(path.join(dataDir, 'lake', 'bronze', dataset));
    assert.ok((await fs.readFile(path.join(dataDir, 'lake', 'bronze', dataset, day!, name))).equals(bytes), 'bronze keeps the bytes received');
  }
});

test("an Alipay export's ids written with a tab before the comma (so that Excel does not round them): the run loads them without it, a key that joins", async () => {
  const rows = Array.from({ length: 20 }, (_, i) => `20240401220014123412345678${String(i).padStart(2, '0')}\t,T200P${i}\t,2024-01-01 09:${String(i).padStart(2, '0')}:00,${i}.50`);
  const dir = await initFrom('alipay', { 'alipay_record_20240401.csv': `交易号,商家订单号,交易创建时间,金额（元）\r\n${rows.join('\r\n')}\r\n` }, 'alipay-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'alipay_record.yml'), 'utf8');
  assert.match(yaml, /^key: c_4ea4_6613_53f7$/m);
  assert.match(yaml, /^ {2}c_4ea4_6613_521b_5efa_65f6_95f4: \{ type: timestamp \}/m);
  const dataDir = path.join(root, 'alipay-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(
    await silverRows(dataDir, 'alipay_record', summary.runId, "SELECT max(length(c_4ea4_6613_53f7))::INT AS id, max(length(c_5546_5bb6_8ba2_5355_53f7))::INT AS merchant, count(*) FILTER (WHERE c_4ea4_6613_53f7 = '2024040122001412341234567805')::INT AS found FROM $t"),
    [{ id: 28, merchant: 7, found: 1 }],
  );
});

test('init --from-csv on a German export (1.234,56): decimal_separator "," and every amount at its value, a thousands dot included', async () => {
  const dir = await initFrom('german', { 'preise.csv': 'artikel;betrag;preis\r\nBrötchen;12,50;0,99\r\nFahrrad;1.234;1.499,00\r\nAuto;25.000;24.999,90\r\n' }, 'german-project');
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'preise.yml'), 'utf8'), /^decimal_separator: ","$/m);
  const dataDir = path.join(root, 'german-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'preise', summary.runId, 'SELECT artikel, betrag, preis FROM $t ORDER BY betrag'), [
    { artikel: 'Brötchen', betrag: 12.5, preis: 0.99 },
    { artikel: 'Fahrrad', betrag: 1234, preis: 1499 },
    { artikel: 'Auto', betrag: 25000, preis: 24999.9 },
  ]);
});

test('init in a folder of the user\'s own: a file of its sources/ is read in place, never replaced, and kept when init fails', async () => {
  const dir = path.join(root, 'own-folder');
  await fs.mkdir(path.join(dir, 'sources'), { recursive: true });
  const mine = path.join(dir, 'sources', 'orders.csv');
  await fs.writeFile(mine, 'order_id,amount\n1,10\n');
  // A failure after init began writing (here .gitignore is a folder): what was the user's stays.
  await fs.mkdir(path.join(dir, '.gitignore'));
  const failed = await runCli(['init', dir, '--from-csv', mine], {});
  assert.notEqual(failed.code, 0);
  assert.equal(await fs.readFile(mine, 'utf8'), 'order_id,amount\n1,10\n');
  assert.deepEqual((await fs.readdir(dir)).sort(), ['.gitignore', 'sources']);
  await fs.rmdir(path.join(dir, '.gitignore'));

  const other = path.join(root, 'orders.csv');
  await fs.writeFile(other, 'order_id,amount\n2,20\n');
  const refused = await runCli(['init', dir, '--from-csv', other], {});
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /sources\/orders\.csv already exists in .* and differs from .*orders\.csv: init would replace it/);
  assert.equal(await fs.readFile(mine, 'utf8'), 'order_id,amount\n1,10\n');

  const inPlace = await runCli(['init', dir, '--from-csv', mine], {});
  assert.equal(inPlace.code, 0, inPlace.stderr);
  assert.equal(await fs.readFile(mine, 'utf8'), 'order_id,amount\n1,10\n');
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8'), /^key: order_id$/m);
});

test('init --from-csv: two columns unique together where none alone is (an order and its line, a trip and its stop, a country and its years) are the key; across files too; not two ids, nor an id and a day', async () => {
  const dir = await initFrom(
    'pairs',
    {
      'order_items.csv': 'order_id,order_item_id,seller_id,price\nA,1,s1,10.5\nA,2,s1,3.0\nB,1,s2,7.25\n',
      'stop_times.txt': 'trip_id,arrival_time,stop_id,stop_sequence\nT1,08:00:00,S1,1\nT1,08:05:00,S2,2\nT2,08:00:00,S1,1\nT2,08:05:00,S2,2\n',
      'population.csv': 'country_code,year,value\nFRA,2020,67.4\nFRA,2021,67.7\nDEU,2020,83.2\nDEU,2021,83.1\n',
      'visits_2024-01.csv': 'visit_id,line,minutes\n1,1,10\n1,2,5\n',
      'visits_2024-02.csv': 'visit_id,line,minutes\n1,1,7\n2,1,3\n',
      'readings.csv': 'sensor_id,reading,quality\nX,1.5,good\nX,2.5,good\nY,1.5,bad\n',
      // Two ids, and an id with a day of events: unique together in these rows by chance, no key (a repeat purchase would replace the first).
      'purchases.csv': 'customer_id,product_id,purchased_on,amount\n1,10,2024-01-02,5\n1,11,2024-01-03,7.5\n2,10,2024-01-05,5\n3,12,2024-01-09,9.99\n',
    },
    'pairs-project',
  );
  const yaml = async (name: string) => fs.readFile(path.join(dir, 'datasets', `${name}.yml`), 'utf8');
  assert.match(await yaml('order_items'), /^key: \[order_id, order_item_id\]$/m);
  assert.match(await yaml('order_items'), /^ {2}order_item_id: \{ type: integer, required: true \}$/m);
  assert.match(await yaml('stop_times'), /^key: \[trip_id, stop_sequence\]$/m);
  assert.match(await yaml('population'), /^key: \[country_code, year\]$/m);
  // (visit_id, line) is unique in each month, not across the two: a later month's rows would replace the first's.
  assert.doesNotMatch(await yaml('visits'), /^key:/m);
  // A measure is no part of a key.
  assert.doesNotMatch(await yaml('readings'), /^key:/m);
  assert.doesNotMatch(await yaml('purchases'), /^key:/m);
  // A corrected export of the order lines replaces its rows rather than add them.
  await fs.writeFile(path.join(dir, 'sources', 'order_items_v2.csv'), 'order_id,order_item_id,seller_id,price\nA,2,s1,3.5\nC,1,s3,1.0\n');
  const dataDir = path.join(root, 'pairs-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'order_items', summary.runId, 'SELECT order_id AS o, order_item_id AS i, price FROM $t ORDER BY o, i'), [
    { o: 'A', i: 1, price: 10.5 },
    { o: 'A', i: 2, price: 3.5 },
    { o: 'B', i: 1, price: 7.25 },
    { o: 'C', i: 1, price: 1 },
  ]);
});

test("a report's total on its last row, figures alone: a column every row fills sets it aside; where none is left empty on it, init says to delete it", async () => {
  const dir = await initFrom(
    'totals',
    {
      'deals.csv': 'Owner,Stage,Amount\nJane,Won,100\nBob,Lost,200\nAnn,Won,300\n,,600\n',
      'sparse.csv': 'Owner,Region,Amount\nJane,,100\n,North,200\nBob,,300\n,,600\n',
    },
    'totals-project',
  );
  const deals = await fs.readFile(path.join(dir, 'datasets', 'deals.yml'), 'utf8');
  assert.match(deals, /^ {2}owner: \{ type: text, required: true \}/m);
  const sparse = await fs.readFile(path.join(dir, 'datasets', 'sparse.yml'), 'utf8');
  assert.match(sparse, /^# Check: the last row is a total .* Delete it from the exports\.$/m);
  const dataDir = path.join(root, 'totals-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'deals', summary.runId, 'SELECT count(*) AS n, sum(amount) AS total FROM $t'), [{ n: 3, total: 600 }]);
});

test('a summary ending with its Total row, every figure filled (Excel, a French sep=; export, a key of text): init declares total_row, the run sets it aside in each file, a later one too; Total Gym among the rows loads', async () => {
  // 100 rows, a region left empty now and then as on the total's row: no required column can set the total aside.
  const products = ['Coffee', 'Tea', 'Cocoa'];
  const rows = Array.from({ length: 100 }, (_, i) => ({ product: products[i % 3]!, region: i % 4 ? 'East' : '', units: (i % 40) + 1, cents: ((i * 3701) % 90000) + 100 }));
  const sum = (rs: typeof rows) => [rs.reduce((a, r) => a + r.units, 0), rs.reduce((a, r) => a + r.cents, 0)] as const;
  const money = (cents: number, comma = false) => (cents / 100).toFixed(2).replace('.', comma ? ',' : '.');
  const summary = (rs: typeof rows, total: string, after = '') => `Product,Region,Units,Revenue\n${rs.map((r) => `${r.product},${r.region},${r.units},${money(r.cents)}\n`).join('')}${total},,${sum(rs)[0]},${money(sum(rs)[1])}\n${after}`;
  const ventes = `\ufeffsep=;\nProduit;Région;Quantité;Chiffre d'affaires\n${rows.map((r) => `${r.product};${r.region};${r.units};${money(r.cents, true)}\n`).join('')}Total;;${sum(rows)[0]};${money(sum(rows)[1], true)}\n`;
  const orders = 'order_id,customer,amount\nA-1001,Ann,10.50\nA-1002,Bob,20.00\nA-1003,Cy,5.50\nTotal,3,36.00\n';
  const dir = await initFrom('totals-last-row', { 'sales_summary.csv': summary(rows, 'Total'), 'ventes_produits.csv': ventes, 'orders.csv': orders }, 'totals-last-row-project');
  const yaml = (name: string) => fs.readFile(path.join(dir, 'datasets', `${name}.yml`), 'utf8');
  assert.match(await yaml('sales_summary'), /^# The last row is a total \("Total" in product.*\ntotal_row: product$/m);
  assert.doesNotMatch(await yaml('sales_summary'), /delete it|Delete it/);
  assert.match(await yaml('ventes_produits'), /^total_row: produit$/m);
  assert.match(await yaml('orders'), /^key: order_id\n(.*\n)*total_row: order_id$/m);
  const dataDir = path.join(root, 'totals-last-row-data');
  const first = await runProject(dir, dataDir);
  for (const [name, rowsOut] of [['sales_summary', 100], ['ventes_produits', 100], ['orders', 3]] as const) {
    const { datasets } = first.stages[1].details;
    assert.deepEqual([datasets[name].rowsOut, datasets[name].quarantined, datasets[name].reasons], [rowsOut, 1, { [`total_row:${name === 'orders' ? 'order_id' : name === 'ventes_produits' ? 'produit' : 'product'}`]: 1 }], name);
  }
  const [units, cents] = sum(rows);
  assert.deepEqual(await silverRows(dataDir, 'sales_summary', first.runId, 'SELECT count(*) AS n, sum(units) AS units, round(sum(revenue) * 100) AS cents FROM $t'), [{ n: 100, units, cents }]);
  assert.deepEqual(await silverRows(dataDir, 'ventes_produits', first.runId, 'SELECT count(*) AS n, sum(quantite) AS units FROM $t'), [{ n: 100, units }]);
  assert.deepEqual(await silverRows(dataDir, 'orders', first.runId, 'SELECT count(*) AS n, sum(amount) AS amount FROM $t'), [{ n: 3, amount: 36 }]);
  const quarantined = async (name: string, runId: string) => silverRows(dataDir, `quarantine/${name}`, runId, 'SELECT _record, _reason, _detail FROM $t ORDER BY _record');
  assert.deepEqual(await quarantined('sales_summary', first.runId), [
    { _record: 101, _reason: 'total_row:product', _detail: 'product "Total" is a total at the end of the file, the sum of the rows above it: not a row (total_row)' },
  ]);
  assert.deepEqual((await quarantined('ventes_produits', first.runId)).map((q) => q['_reason']), ['total_row:produit']);
  assert.deepEqual((await quarantined('orders', first.runId)).map((q) => [q['_record'], q['_reason']]), [[4, 'total_row:order_id']]);

  // The next month's file: a product named Total Gym among the rows, its own total spelled otherwise, then a blank row and a note.
  const later = [...rows.slice(0, 10), { product: 'Total Gym', region: 'West', units: 2, cents: 19900 }, ...rows.slice(10, 20)];
  await fs.writeFile(path.join(dir, 'sources', 'sales_summary_2024-02.csv'), summary(later, 'Grand total', ',,,\nSource: ERP export of 2024-03-01,,,\n'));
  const second = await runProject(dir, dataDir);
  const { sales_summary: stats } = second.stages[1].details.datasets;
  assert.deepEqual([stats.rowsOut, stats.quarantined, stats.emptyRows], [21, 2, 1]);
  // Each file's rows, summing to its total; Total Gym among them.
  assert.deepEqual(await silverRows(dataDir, 'sales_summary', second.runId, `SELECT _source, count(*) AS n, sum(units) AS units, count(*) FILTER (WHERE product = 'Total Gym') AS gym FROM $t GROUP BY 1 ORDER BY 1`), [
    { _source: 'sales_summary.csv', n: 100, units, gym: 0 },
    { _source: 'sales_summary_2024-02.csv', n: 21, units: sum(later)[0], gym: 1 },
  ]);
  assert.deepEqual((await quarantined('sales_summary', second.runId)).map((q) => [q['_record'], q['_reason']]), [[22, 'total_row:product'], [24, 'missing_value:units']]);
});

test("an accounting report's sections, totals and balances among its transactions (QuickBooks, Xero): typed without them, quarantined by the run, the sums right", async () => {
  const quickbooks = [
    'Acme LLC',
    'Transaction Detail by Account',
    'January 2024',
    '',
    ',Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance',
    'Checking,,,,,,,,',
    ',01/02/2024,Deposit,,Client A,Invoice 1001,Accounts Receivable,"1,500.00","1,500.00"',
    ',01/05/2024,Expense,1023,Office Depot,"Supplies, paper",Office Supplies,-245.67,"1,254.33"',
    ',01/19/2024,Check,1024,City of Springfield,Water bill,Utilities,-80.00,"1,174.33"',
    'Total for Checking,,,,,,,"$1,174.33",',
    'Utilities,,,,,,,,',
    ',01/19/2024,Check,1024,City of Springfield,Water bill,Checking,80.00,80.00',
    'Total for Utilities,,,,,,,$80.00,',
    'TOTAL,,,,,,,"$1,254.33",',
    '',
    '"Accrual Basis Monday, February 5, 2024 09:12 AM GMT-08:00",,,,,,,,',
  ];
  const xero = [
    '"Account Transactions"',
    '"Demo Company (UK)"',
    '"For the period 1 March 2024 to 31 March 2024"',
    '',
    '"Date","Source","Description","Reference","Debit (GBP)","Credit (GBP)","Running Balance (GBP)"',
    '"Opening Balance","","","","","","5,000.00"',
    '"1 Mar 2024","Receive Money","Payment received","INV-0001","1,200.00","","6,200.00"',
    '"4 Mar 2024","Spend Money","Office chairs","","","450.00","5,750.00"',
    '"15 Mar 2024","Spend Money","Bank fee","","","12.50","5,737.50"',
    '"Total Business Bank Account","","","","1,200.00","462.50",""',
    '"Closing Balance","","","","","","5,737.50"',
  ];
  // Two months of QuickBooks' report: one dataset, typed from both without their report lines.
  const february = quickbooks.map((l) => l.replaceAll(',01/', ',02/').replace('January 2024', 'February 2024'));
  const dir = await initFrom('reports', { 'transaction_detail_2024-01.csv': `${quickbooks.join('\n')}\n`, 'transaction_detail_2024-02.csv': `${february.join('\n')}\n`, 'account_transactions.csv': `${xero.join('\n')}\n` }, 'reports-project');
  const qb = await fs.readFile(path.join(dir, 'datasets', 'transaction_detail.yml'), 'utf8');
  assert.match(qb, /^# 8 rows are a report's totals, balances or section lines among the data/m);
  assert.match(qb, /^ {2}date: \{ type: date, required: true, format: "%m\/%d\/%Y" \}/m);
  assert.match(qb, /^ {2}amount: \{ type: number, required: true \}/m);
  const x = await fs.readFile(path.join(dir, 'datasets', 'account_transactions.yml'), 'utf8');
  assert.match(x, /^ {2}date: \{ type: date, format: "%d %b %Y" \}/m);
  assert.doesNotMatch(x, /^key:/m);
  const dataDir = path.join(root, 'reports-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'transaction_detail', summary.runId, 'SELECT count(*) AS n, sum(amount) AS total FROM $t'), [{ n: 8, total: 2508.66 }]);
  assert.deepEqual(await silverRows(dataDir, 'account_transactions', summary.runId, 'SELECT count(*) AS n, sum(debit_gbp) AS debit, sum(credit_gbp) AS credit FROM $t'), [{ n: 3, debit: 1200, credit: 462.5 }]);
  const datasets = summary.stages[1].details.datasets;
  assert.deepEqual([datasets.transaction_detail.quarantined, datasets.account_transactions.quarantined], [12, 3]);
});

test('a later file writing its dates month first, where the dataset reads them day first, waits whole; declaring the formats reads it again', async () => {
  const dir = await initFrom('drift', { 'orders.csv': 'order_id,order_date,amount\n1,2024-03-01,10\n2,2024-03-02,12\n' }, 'drift-project');
  const dataDir = path.join(root, 'drift-data');
  await runProject(dir, dataDir);
  await fs.writeFile(path.join(dir, 'sources', 'orders_2024-03-13.csv'), 'order_id,order_date,amount\n3,03/12/2024,5\n4,03/13/2024,6\n5,03/02/2024,7\n6,03/21/2024,8\n');
  const run = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /orders: 4 quarantined \(dates_month_first:order_date 4\)/);
  assert.match(run.stdout, /orders: file waits in quarantine, not merged: orders_2024-03-13\.csv writes order_date month first .* If every file of the dataset writes it month first, declare format: \["%Y-%m-%d", "%m\/%d\/%Y"\]/);
  assert.deepEqual(await silverRows(dataDir, 'quarantine/orders', '', 'SELECT _line, _reason FROM $t ORDER BY _line'), [2, 3, 4, 5].map((line) => ({ _line: line, _reason: 'dates_month_first:order_date' })));
  // Listed as waiting until the definition changes: by doctor, and by the runs after.
  const doctor = await runCli(['doctor', '--project', dir], { DATA_DIR: dataDir });
  assert.match(doctor.stdout, /1 file waiting whole, not merged: orders_2024-03-13\.csv writes order_date month first/);
  const again = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /orders: still waits in quarantine since an earlier run, not merged: orders_2024-03-13\.csv writes order_date month first/);
  const definition = path.join(dir, 'datasets', 'orders.yml');
  const yaml = await fs.readFile(definition, 'utf8');
  await fs.writeFile(definition, yaml.replace(/^ {2}order_date: \{ type: date \}/m, '  order_date: { type: date, format: ["%Y-%m-%d", "%m/%d/%Y"] }'));
  assert.notEqual(await fs.readFile(definition, 'utf8'), yaml);
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'orders', summary.runId, "SELECT order_id, strftime(order_date, '%Y-%m-%d') AS day FROM $t ORDER BY order_id"), [
    { order_id: 1, day: '2024-03-01' },
    { order_id: 2, day: '2024-03-02' },
    { order_id: 3, day: '2024-03-12' },
    { order_id: 4, day: '2024-03-13' },
    { order_id: 5, day: '2024-03-02' },
    { order_id: 6, day: '2024-03-21' },
  ]);
});

test('init --from-csv: ids restarting in each monthly file are no key; names of no Latin letter follow their column; two files of one name are refused', async () => {
  const dir = await initFrom(
    'restart',
    { 'lines_2024-01.csv': 'line,名前,都市\n1,Aki,Tokyo\n2,Ben,Osaka\n', 'lines_2024-02.csv': 'line,都市,名前\n1,Kyoto,Chie\n2,Nara,Dai\n' },
    'restart-project',
  );
  const lines = await fs.readFile(path.join(dir, 'datasets', 'lines.yml'), 'utf8');
  assert.doesNotMatch(lines, /^key:/m, 'line repeats across the files: rows are appended, none replaced');
  const dataDir = path.join(root, 'restart-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'lines', summary.runId, 'SELECT c_540d_524d AS name, c_90fd_5e02 AS city FROM $t ORDER BY name'), [
    { name: 'Aki', city: 'Tokyo' },
    { name: 'Ben', city: 'Osaka' },
    { name: 'Chie', city: 'Kyoto' },
    { name: 'Dai', city: 'Nara' },
  ]);

  // pandas' index (a column with no name, or `Unnamed: 0`) numbers each file from 0: no key, even from one file, so a later file's rows are added, not put in place of the first's.
  for (const [folder, header] of [['pandas', ''], ['pandas-unnamed', 'Unnamed: 0']] as const) {
    const pandas = await initFrom(folder, { 'listings_2024-01.csv': `${header},host_name,price,room\n0,ann,10,a\n1,bob,20,b\n2,cy,30,a\n` }, `${folder}-project`);
    const yaml = await fs.readFile(path.join(pandas, 'datasets', 'listings.yml'), 'utf8');
    assert.doesNotMatch(yaml, /^key:/m, yaml);
    assert.match(yaml, /looks like row numbers, as pandas writes them: not a key/);
    const pandasData = path.join(root, `${folder}-data`);
    await runProject(pandas, pandasData);
    await fs.writeFile(path.join(pandas, 'sources', 'listings_2024-02.csv'), `${header},host_name,price,room\n0,dee,40,b\n1,eve,50,a\n`);
    const later = await runProject(pandas, pandasData);
    assert.deepEqual([later.stages[1].details.datasets.listings.rows, later.stages[1].details.datasets.listings.replaced], [5, 0]);
    const kpi = await fs.readFile(path.join(pandas, 'kpis', (await fs.readdir(path.join(pandas, 'kpis')))[0]!), 'utf8');
    assert.match(kpi, /GROUP BY ALL/);
    assert.doesNotMatch(kpi, /column_1|unnamed/);
  }

  const csvs = path.join(root, 'restart');
  await fs.mkdir(path.join(csvs, 'other'));
  await fs.writeFile(path.join(csvs, 'other', 'lines_2024-01.csv'), 'line,x\n1,2\n');
  const twice = await runCli(['init', path.join(root, 'twice'), '--from-csv', path.join(csvs, 'lines_2024-01.csv'), path.join(csvs, 'other', 'lines_2024-01.csv')], {});
  assert.notEqual(twice.code, 0);
  assert.match(twice.stderr, /have the same name: the project's sources folder keeps one file per name/);
  await assert.rejects(fs.access(path.join(root, 'twice')), 'nothing written');
});

test('serve --project with several workers serves that project, a dataset named order included', async () => {
  const dir = await initFrom('orders', { 'order.csv': 'id,status\n1,open\n2,open\n3,closed\n' }, 'orders-project');
  const dataDir = path.join(root, 'orders-data');
  await runProject(dir, dataDir);
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '2' }, ['--project', dir]);
  try {
    // Each request may reach either worker: ask several times.
    for (let i = 0; i < 6; i++) {
      assert.equal(((await (await fetch(`${url}/api/project`)).json()) as { name: string }).name, 'orders-project');
      assert.deepEqual(await (await fetch(`${url}/api/order_by_status`)).json(), [
        { status: 'open', row_count: 2 },
        { status: 'closed', row_count: 1 },
      ]);
    }
  } finally {
    server.kill('SIGTERM');
  }
});

test('a MySQL export writing \\" inside quotes: init declares escape: backslash, and every row loads, a later file too', async () => {
  // Quotes, a comma and a newline inside quoted values, a backslash of its own (\\), a value ending with one.
  const first = 'id,title,score\n1,"He said \\"hi\\" twice",3\n2,"a \\"quoted, with comma\\" here",4\n3,"two\nlines \\"x\\"",5\n4,"C:\\\\temp\\\\",6\n9,"no score",\\N\n';
  const dir = await initFrom('mysql', { 'reviews.csv': first }, 'mysql-project');
  const definition = path.join(dir, 'datasets', 'reviews.yml');
  const yaml = await fs.readFile(definition, 'utf8');
  assert.match(yaml, /^escape: backslash$/m);
  // MySQL's NULL, \N: a missing value (DuckDB refuses it as a null string beside the escape: compared in SQL).
  assert.match(yaml, /^null_values: \["\\\\N"\]$/m);
  assert.match(yaml, /^ {2}score: \{ type: integer \}$/m);
  const expected = [
    { id: 1, title: 'He said "hi" twice', score: 3 },
    { id: 2, title: 'a "quoted, with comma" here', score: 4 },
    { id: 3, title: 'two\nlines "x"', score: 5 },
    { id: 4, title: 'C:\\temp\\', score: 6 },
    { id: 9, title: 'no score', score: null },
  ];
  const dataDir = path.join(root, 'mysql-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'reviews', summary.runId, 'SELECT id, title, score FROM $t ORDER BY id'), expected);

  // A later file, cleaned the usual way (silver has rows): its escaped quotes load, its row with a bad score is quarantined.
  await fs.writeFile(path.join(dir, 'sources', 'reviews_2.csv'), 'id,title,score\n5,"say \\"no\\"",7\n6,"bad",x\n');
  const later = await runProject(dir, dataDir);
  const reviews = later.stages[1].details.datasets.reviews;
  assert.deepEqual([reviews.rowsOut, reviews.quarantined, reviews.rows], [1, 1, 6]);
  assert.deepEqual(await silverRows(dataDir, 'reviews', later.runId, 'SELECT id, title FROM $t WHERE id = 5'), [{ id: 5, title: 'say "no"' }]);

  // A file not written as MySQL writes (a Windows path) would lose its backslashes: it waits, and check --sources says why.
  const windows = path.join(dir, 'sources', 'reviews_3.csv');
  await fs.writeFile(windows, 'id,title,score\n7,"C:\\temp\\x",1\n');
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /reviews_3\.csv → reviews: waits in quarantine: reviews_3\.csv holds backslashes that are not escapes/, check.stdout);
  const waiting = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(waiting.code, 0, waiting.stderr);
  assert.match(waiting.stdout + waiting.stderr, /reviews_3\.csv holds backslashes that are not escapes \(a path such as C:\\reports\?\): read with escape: backslash, as datasets\/reviews\.yml says, they would be dropped/);
  await fs.rm(windows);

  // Without the option, the lines with \" are quarantined (nothing is lost: check --sources says why); with it again, silver is rebuilt from bronze, counted again, and whole.
  await fs.writeFile(definition, yaml.replace(/^escape: backslash\n/m, ''));
  const noted = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(noted.stdout, /reviews\.csv → reviews: matches\n {4}note: its quotes are escaped with a backslash \(\\"\), as MySQL writes them: the lines holding one would be quarantined; set escape: backslash in datasets\/reviews\.yml/, noted.stdout);
  const standard = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(standard.code, 0, standard.stderr);
  // The summary names the option that reads the quarantined lines.
  assert.match(standard.stdout, /reviews: \d+ of the malformed lines? holds? \\" \(a quote escaped as MySQL writes it\): set escape: backslash in datasets\/reviews\.yml/, standard.stdout);
  const record = JSON.parse(await fs.readFile(path.join(dataDir, 'lake', 'runs', `${/run (\S+) completed/.exec(standard.stdout)![1]}.json`), 'utf8'));
  const read = record.stages[1].details.datasets.reviews;
  assert.ok(read.quarantined > 0 && read.rows < 6 && read.backslashQuotes > 0 && read.backslashQuotes <= read.quarantined, JSON.stringify(read));
  await fs.writeFile(definition, yaml);
  const again = await runProject(dir, dataDir);
  const rebuilt = again.stages[1].details.datasets.reviews;
  assert.deepEqual([rebuilt.rows, rebuilt.quarantined], [6, 1]);
  assert.deepEqual(await silverRows(dataDir, 'reviews', again.runId, 'SELECT id, title, score FROM $t WHERE id <> 5 ORDER BY id'), expected);
});

test('a UTF-16 export with its byte-order mark (Excel\'s "Unicode Text", ad platforms\' reports): init reads it, the run loads every row, the explorer previews it', async () => {
  const csvs = path.join(root, 'utf16');
  await fs.mkdir(csvs, { recursive: true });
  const text = 'Campagne\tClics\tCoût\tJour\r\nÉté\t12\t3,5\t2024-01-05\r\nNoël 😀\t7\t1,25\t2024-01-06\r\n';
  await fs.writeFile(path.join(csvs, 'ads.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const dir = path.join(root, 'utf16-project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'ads.csv')], {});
  assert.equal(init.code, 0, init.stderr);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'ads.yml'), 'utf8');
  assert.match(yaml, /^delimiter: "\\t"$/m);
  assert.match(yaml, /^# UTF-16 text \(Excel's "Unicode Text"/m);
  assert.doesNotMatch(yaml, /^encoding:/m);
  assert.match(yaml, /^ {2}clics: \{ type: integer \}/m);
  assert.match(yaml, /^ {2}jour: \{ type: date \}/m);
  // A later file saved big-endian: the same dataset.
  await fs.writeFile(path.join(dir, 'sources', 'ads_2.csv'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Campagne\tClics\tCoût\tJour\r\nHiver\t3\t2\t2024-01-07\r\n', 'utf16le').swap16()]));
  const dataDir = path.join(root, 'utf16-data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[1].quarantined, 0);
  assert.deepEqual(await silverRows(dataDir, 'ads', summary.runId, 'SELECT campagne, clics, cout, CAST(jour AS VARCHAR) AS jour FROM $t ORDER BY jour'), [
    { campagne: 'Été', clics: 12, cout: 3.5, jour: '2024-01-05' },
    { campagne: 'Noël 😀', clics: 7, cout: 1.25, jour: '2024-01-06' },
    { campagne: 'Hiver', clics: 3, cout: 2, jour: '2024-01-07' },
  ]);
  const bronze = (await fs.readdir(path.join(dataDir, 'lake', 'bronze', 'ads')))[0]!;
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    const preview = (await (await fetch(`${url}/api/lake/bronze/preview?key=${encodeURIComponent(`ads/${bronze}/ads.csv`)}`)).json()) as { rows: { Campagne: string }[] };
    assert.deepEqual(preview.rows.map((r) => r.Campagne), ['Été', 'Noël 😀']);
  } finally {
    server.kill('SIGTERM');
  }
});

test('a file ending its lines with CR only (Excel for Mac\'s "CSV (Macintosh)"): init reads it beside others, the run loads every row, a line break in a value too', async () => {
  const rows = ['Ref,Client,Montant,Ville', ...Array.from({ length: 40 }, (_, i) => `${i + 1},Client ${i + 1},${(i + 1) * 2}.50,${['Paris', 'Lyon', 'Nice'][i % 3]}`)];
  rows[3] = '3,"Dupont\ret fils",6.50,Nice';
  const dir = await initFrom('mac', { 'ventes.csv': `${rows.join('\r')}\r`, 'villes.csv': 'ville,region\nParis,IDF\nLyon,ARA\nNice,PACA\n' }, 'mac-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'ventes.yml'), 'utf8');
  assert.match(yaml, /^key: ref$/m);
  assert.match(yaml, /^ {2}montant: \{ type: number \}/m);
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /ventes\.csv → ventes: matches/);
  const dataDir = path.join(root, 'mac-data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[0].rowsIn, 43, 'bronze counts the CR-ended records, the quoted line break inside one');
  assert.equal(summary.stages[1].quarantined, 0);
  const [total] = await silverRows(dataDir, 'ventes', summary.runId, 'SELECT count(*) AS n, sum(montant) AS s FROM $t');
  assert.deepEqual(total, { n: 40, s: 1660 });
  // The value's line break is read as a line break (LF, as every reader here sees the file's CRs).
  assert.deepEqual(await silverRows(dataDir, 'ventes', summary.runId, 'SELECT client FROM $t WHERE ref = 3'), [{ client: 'Dupont\net fils' }]);
  // Bronze keeps the file's own bytes.
  const day = (await fs.readdir(path.join(dataDir, 'lake', 'bronze', 'ventes')))[0]!;
  assert.equal(await fs.readFile(path.join(dataDir, 'lake', 'bronze', 'ventes', day, 'ventes.csv'), 'utf8'), `${rows.join('\r')}\r`);
});

test('a CRLF export with a CR inside an unquoted field (a cell pasted from an old Mac tool, two rows run together): init types the other rows and says so, the run loads them and quarantines those lines with their reason; a CR inside quotes is the value\'s', async () => {
  const rows = ['ticket_id,opened,amount,comment', ...Array.from({ length: 30 }, (_, i) => `${i + 1},2024-03-${String(i + 1).padStart(2, '0')},${i + 1}.25,ok`)];
  // A quoted line break first: the lines after it are numbered as an editor numbers them.
  rows[2] = '2,2024-03-02,2.25,"two\r\nlines"';
  rows[4] = '4,2024-03-04,4.25,hello\rworld';
  rows[6] = '6,2024-03-06,6.25,"a\rb"';
  rows[30] = '30,2024-03-30,30.25,x\r31,2024-03-31,31.25,y';
  const dir = path.join(root, 'bare-cr-project');
  const file = path.join(root, 'tickets.csv');
  await fs.writeFile(file, `${rows.join('\r\n')}\r\n`);
  const init = await runCli(['init', dir, '--from-csv', file], {});
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /tickets\.csv: 28 rows, 4 columns, key ticket_id; 2 lines with a carriage return \(CR\) inside an unquoted field not read: `run` quarantines them \(quote the field or remove the CR\)/);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'tickets.yml'), 'utf8');
  assert.match(yaml, /^ {2}opened: \{ type: date/m);
  assert.match(yaml, /^ {2}amount: \{ type: number/m);
  const dataDir = path.join(root, 'bare-cr-data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[0].rowsOut, 30, 'bronze counts the records by their CRLF');
  const { tickets } = summary.stages[1].details.datasets;
  assert.deepEqual([tickets.rowsIn, tickets.rowsOut, tickets.quarantined, tickets.reasons], [30, 28, 2, { 'malformed_line:bare_carriage_return': 2 }]);
  const detail = 'a carriage return (CR) inside an unquoted field: quote the field or remove the CR';
  assert.deepEqual(await silverRows(dataDir, 'quarantine/tickets', '', 'SELECT _line, _reason, _detail, _raw_line FROM $t ORDER BY _line'), [
    { _line: 6, _reason: 'malformed_line:bare_carriage_return', _detail: detail, _raw_line: rows[4] },
    // Read with a space for its CR, it is a field too wide: said for its CR all the same, its text as written.
    { _line: 32, _reason: 'malformed_line:bare_carriage_return', _detail: detail, _raw_line: rows[30] },
  ]);
  const [total] = await silverRows(dataDir, 'tickets', summary.runId, 'SELECT count(*) AS n, sum(amount) AS s, max(ticket_id) AS last FROM $t');
  assert.deepEqual(total, { n: 28, s: 472.5 - 4.25 - 30.25, last: 29 }, "every amount but tickets 4 and 30");
  assert.deepEqual(await silverRows(dataDir, 'tickets', summary.runId, 'SELECT ticket_id, comment FROM $t WHERE ticket_id IN (2, 6) ORDER BY 1'), [
    { ticket_id: 2, comment: 'two\r\nlines' },
    { ticket_id: 6, comment: 'a\rb' },
  ]);
});

test('a later export without Excel\'s sep=; line waits in quarantine, saying where its header is, rather than load its rows as empty ones', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => `Île-de-France;Magasin ${i};${(i % 28) + 1}/01/2024;${i + 1};;;`);
  const dir = await initFrom('excel-sep', { 'ventes_2024-01.csv': `sep=;\nRegion;Magasin;Date;Quantite;;;\n${rows.join('\n')}\n` }, 'excel-sep-project');
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'ventes.yml'), 'utf8'), /^skip_lines: 1$/m);
  await fs.writeFile(path.join(dir, 'sources', 'ventes_2024-02.csv'), `Region;Magasin;Date;Quantite;;;\n${rows.join('\n')}\n`);
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /ventes_2024-02\.csv: its header looks like line 1, where skip_lines \(1\) in datasets\/ventes\.yml reads line 2/);
  const run = await runCli(['run', '--project', dir], { DATA_DIR: path.join(root, 'excel-sep-data') });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /bronze: waits in quarantine, not ingested: ventes_2024-02\.csv: its header looks like line 1, where skip_lines \(1\)/);
  assert.match(run.stdout, /ventes: 1 new file, 30 rows merged/);
});

test('a column marked personal in a running server\'s definitions is masked within a second, without a restart', async () => {
  const dir = await initFrom('live', { 'members.csv': 'id,name,email,city\n1,Ann,ann@x.org,Paris\n2,Bob,bob@x.org,Lyon\n' }, 'live-project');
  const dataDir = path.join(root, 'live-data');
  const summary = await runProject(dir, dataDir);
  const silverKey = (await fs.readdir(path.join(dataDir, 'lake', 'silver', 'members'))).find((f) => f.startsWith(summary.runId))!;
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    // (The e-mail addresses are personal as init declares them; a city, as a user may declare it.)
    const cities = async () => ((await (await fetch(`${url}/api/lake/silver/preview?key=${encodeURIComponent(`members/${silverKey}`)}`)).json()) as { rows: { city: string }[] }).rows.map((r) => r.city);
    assert.deepEqual(await cities(), ['Paris', 'Lyon']);
    const definition = path.join(dir, 'datasets', 'members.yml');
    await fs.writeFile(definition, (await fs.readFile(definition, 'utf8')).replace(/^ {2}city: \{ type: text \}/m, '  city: { type: text, personal: true }'));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.deepEqual(await cities(), ['***', '***']);
    const filtered = await fetch(`${url}/api/lake/silver/preview?key=${encodeURIComponent(`members/${silverKey}`)}&column=city&value=Paris`);
    assert.equal(filtered.status, 400);
  } finally {
    server.kill('SIGTERM');
  }
});

test('header cells with a line break (Excel\'s wrapped text): init names them, bronze, check --sources and the run read the header whole, every row loads', async () => {
  const dir = await initFrom('wrapped', { 'census_2019.csv': 'Report\r\nid,"Population\r\n2019","Area\r\n(km2)",Note\r\n1,100,3.5,"two\r\nlines"\r\n2,200,4,b\r\n' }, 'wrapped-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'census.yml'), 'utf8');
  assert.match(yaml, /^skip_lines: 1$/m);
  assert.match(yaml, /^ {2}population_2019: \{ type: integer \} {3}# header "Population\\r\\n2019"$/m);
  assert.match(yaml, /^ {2}area_km2: \{ type: number \}/m);
  // A later file with the wrapped columns in another order.
  await fs.writeFile(path.join(dir, 'sources', 'census_2020.csv'), 'Report\r\nid,"Area\r\n(km2)","Population\r\n2019",Note\r\n3,5.5,300,c\r\n');
  const check = await runCli(['check', '--sources', '--project', dir], {});
  assert.match(check.stdout, /census_2020\.csv → census: matches/, check.stdout);
  const dataDir = path.join(root, 'wrapped-data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[1].quarantined, 0);
  assert.equal(summary.stages[0].details.mixedLineEnds, undefined);
  // Excel's own: rows ending with CRLF, the header cells' line breaks LF (which DuckDB would take for the file's line end).
  const excel = await initFrom('wrapped-excel', { 'orders.csv': '"Order\nID","Total\nAmount"\r\n1,10\r\n2,20\r\n' }, 'wrapped-excel-project');
  assert.doesNotMatch(await fs.readFile(path.join(excel, 'datasets', 'orders.yml'), 'utf8'), /^quote:/m);
  const excelRun = await runProject(excel, path.join(root, 'wrapped-excel-data'));
  assert.deepEqual([excelRun.stages[1].rowsOut, excelRun.stages[1].quarantined], [2, 0]);
  assert.deepEqual(await silverRows(dataDir, 'census', summary.runId, 'SELECT id, population_2019 AS pop, area_km2 AS area, note FROM $t ORDER BY id'), [
    { id: 1, pop: 100, area: 3.5, note: 'two\r\nlines' },
    { id: 2, pop: 200, area: 4, note: 'b' },
    { id: 3, pop: 300, area: 5.5, note: 'c' },
  ]);
});

test('IMDb\'s tab-separated files, which quote nothing (12" Single) and write \\N for missing: init declares quote: none, every row loads, the explorer reads them so', async () => {
  const lines = ['tconst\tprimaryTitle\tstartYear\tendYear', 'tt0000001\t12" Single\t1894\t\\N', 'tt0000002\t"Die Another Day" Making of\t2002\t\\N', 'tt0000003\tThe "Hi\t1990\t1995', 'tt0000004\tPlain\t\\N\t\\N'];
  const dir = await initFrom('imdb', { 'title.basics.tsv': `${lines.join('\n')}\n` }, 'imdb-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'title_basics.yml'), 'utf8');
  assert.match(yaml, /^quote: none$/m);
  assert.match(yaml, /^null_values: \["\\\\N"\]$/m);
  // A later file with a row to quarantine: cleaned the usual way, not in one pass.
  await fs.writeFile(path.join(dir, 'sources', 'title.basics_2.tsv'), 'tconst\tprimaryTitle\tstartYear\tendYear\ntt0000005\tA "B" C\t2001\t\\N\ntt0000006\tBad year\tsoon\t\\N\n');
  // Read with quotes (the definition without quote: none), the lines holding a " are quarantined, and the summary names the option.
  const quoted = `${dir}-quoted`;
  await fs.cp(dir, quoted, { recursive: true });
  await fs.writeFile(path.join(quoted, 'datasets', 'title_basics.yml'), yaml.replace(/^quote: none\n/m, ''));
  const withQuotes = await runCli(['run', '--project', quoted], { DATA_DIR: path.join(root, 'imdb-quoted-data') });
  assert.match(withQuotes.stdout + withQuotes.stderr, /title_basics: \d+ of the malformed lines? holds? a " \(12" Single\): if the file quotes nothing, as IMDb's do, set quote: none in datasets\/title_basics\.yml/);
  // Lines malformed otherwise, whose quotes are around fields (CDC WONDER's quoted notes): no such hint.
  const notes = `${dir}-notes`;
  await fs.cp(quoted, notes, { recursive: true });
  await fs.rm(path.join(notes, 'sources', 'title.basics_2.tsv'));
  await fs.writeFile(path.join(notes, 'sources', 'title.basics.tsv'), 'tconst\tprimaryTitle\tstartYear\tendYear\ntt1\tPlain\t1990\t\\N\n"---"\n"Dataset: Underlying Cause of Death"\t"x"\n');
  const withNotes = await runCli(['run', '--project', notes], { DATA_DIR: path.join(root, 'imdb-notes-data') });
  assert.match(withNotes.stdout, /malformed_line/);
  assert.doesNotMatch(withNotes.stdout + withNotes.stderr, /set quote: none/);
  const dataDir = path.join(root, 'imdb-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual([summary.stages[0].rowsOut, summary.stages[1].rowsIn, summary.stages[1].quarantined], [6, 6, 1]);
  assert.deepEqual(await silverRows(dataDir, 'title_basics', summary.runId, 'SELECT tconst, primary_title AS t, start_year AS y, end_year AS e FROM $t ORDER BY tconst'), [
    { tconst: 'tt0000001', t: '12" Single', y: 1894, e: null },
    { tconst: 'tt0000002', t: '"Die Another Day" Making of', y: 2002, e: null },
    { tconst: 'tt0000003', t: 'The "Hi', y: 1990, e: 1995 },
    { tconst: 'tt0000004', t: 'Plain', y: null, e: null },
    { tconst: 'tt0000005', t: 'A "B" C', y: 2001, e: null },
  ]);
  const bronze = (await fs.readdir(path.join(dataDir, 'lake', 'bronze', 'title_basics')))[0]!;
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    const preview = (await (await fetch(`${url}/api/lake/bronze/preview?key=${encodeURIComponent(`title_basics/${bronze}/title.basics.tsv`)}`)).json()) as { rows: { primaryTitle: string }[] };
    assert.deepEqual(preview.rows.map((r) => r.primaryTitle), ['12" Single', '"Die Another Day" Making of', 'The "Hi', 'Plain']);
  } finally {
    server.kill('SIGTERM');
  }
});

test("PostgreSQL's text format (COPY ... TO): init declares escape: backslash with quote: none, and silver reads \\t, \\n and \\\\ back as a tab, a line break and a backslash", async () => {
  const lines = ['id\tnote\tamount', '1\ttab\\there\t1.50', '2\tline\\nbreak\t2.00', '3\tC:\\\\temp\\\\new\t\\N', '4\t\\N\t4.25', '5\t12" Single\t5.00', '6\tescaped \\\\n stays\t6.00'];
  const dir = await initFrom('postgres', { 'notes.tsv': `${lines.join('\n')}\n` }, 'postgres-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'notes.yml'), 'utf8');
  assert.match(yaml, /^quote: none$/m);
  assert.match(yaml, /^escape: backslash$/m);
  // A later file whose backslashes are text (a Windows path PostgreSQL would have written C:\\Users): it waits, not read as escapes.
  await fs.writeFile(path.join(dir, 'sources', 'notes_2.tsv'), 'id\tnote\tamount\n7\tC:\\Users\\me\t7.00\n');
  const dataDir = path.join(root, 'postgres-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual([summary.stages[1].rowsOut, summary.stages[1].quarantined], [6, 0]);
  assert.match(JSON.stringify(summary), /notes_2\.tsv holds backslashes that are not escapes/);
  assert.deepEqual(await silverRows(dataDir, 'notes', summary.runId, 'SELECT id, note, amount FROM $t ORDER BY id'), [
    { id: 1, note: 'tab\there', amount: 1.5 },
    { id: 2, note: 'line\nbreak', amount: 2 },
    { id: 3, note: 'C:\\temp\\new', amount: null },
    { id: 4, note: null, amount: 4.25 },
    { id: 5, note: '12" Single', amount: 5 },
    { id: 6, note: 'escaped \\n stays', amount: 6 },
  ]);
  // Backslashes of Windows paths beside \N: text, no escape declared; nor for network shares (`\\nas\backup`), which read as escapes but hold no NULL.
  const paths = await initFrom('windows-paths', { 'files.tsv': 'id\tpath\n1\tC:\\Users\\me\\new\n2\t\\N\n3\t12" x\n', 'shares.tsv': 'id\tshare\n1\t\\\\nas\\backup\\reports\n2\t\\\\srv\\New templates\n' }, 'windows-paths-project');
  assert.doesNotMatch(await fs.readFile(path.join(paths, 'datasets', 'files.yml'), 'utf8'), /^escape:/m);
  assert.doesNotMatch(await fs.readFile(path.join(paths, 'datasets', 'shares.yml'), 'utf8'), /^escape:/m);
  // A dump without a quote in it: PostgreSQL's all the same.
  const plain = await initFrom('postgres-plain', { 'items.tsv': 'id\tnote\n1\ttab\\there\n2\t\\N\n' }, 'postgres-plain-project');
  const plainYaml = await fs.readFile(path.join(plain, 'datasets', 'items.yml'), 'utf8');
  assert.match(plainYaml, /^quote: none$/m);
  assert.match(plainYaml, /^escape: backslash$/m);
  // A definition that turns the escapes on (a project of before, where they were ignored): its files of text backslashes wait, not lose them.
  await fs.writeFile(path.join(paths, 'datasets', 'files.yml'), (await fs.readFile(path.join(paths, 'datasets', 'files.yml'), 'utf8')).replace(/^quote: none$/m, 'quote: none\nescape: backslash'));
  const pathsRun = await runProject(paths, path.join(root, 'windows-paths-data'));
  assert.match(JSON.stringify(pathsRun), /files\.tsv holds backslashes that are not escapes/);
});

test('a month that renames a column is one dataset with both names, each file loading with the other read as missing', async () => {
  const dir = await initFrom(
    'renamed',
    { 'orders_2024-01.csv': 'id,day,store,amount\n1,2024-01-02,Paris,10\n2,2024-01-03,Lyon,20\n', 'orders_2024-02.csv': 'id,day,store,total\n3,2024-02-02,Paris,30\n4,2024-02-03,Nice,40\n' },
    'renamed-project',
  );
  assert.deepEqual((await fs.readdir(path.join(dir, 'datasets'))).sort(), ['orders.yml']);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8');
  assert.match(yaml, /^files: "orders\*\.csv"$/m);
  assert.match(yaml, /^# Not in every file, read as missing where absent: amount \(not in orders_2024-02\.csv\); total \(not in orders_2024-01\.csv\)\.$/m);
  for (const line of [/^ {2}amount: \{ type: number \}$/m, /^ {2}total: \{ type: number \}$/m]) assert.match(yaml, line);
  const dataDir = path.join(root, 'renamed-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'orders', summary.runId, 'SELECT id, amount, total FROM $t ORDER BY id'), [
    { id: 1, amount: 10, total: null },
    { id: 2, amount: 20, total: null },
    { id: 3, amount: null, total: 30 },
    { id: 4, amount: null, total: 40 },
  ]);
});

test('rows appended by another tool (CRLF lines, then LF lines): init, the first load, a later file and the explorer read every row', async () => {
  // DuckDB's reader stops at the first line end unlike the first one's: the whole file was quarantined.
  const dir = await initFrom('line-ends', { 'sales.csv': 'id,store,amount\r\n1,Paris,10\r\n2,"Lyon\r\nnord",20\n3,Nice,30\n' }, 'line-ends-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'sales.yml'), 'utf8');
  assert.match(yaml, /^ {2}amount: \{ type: number \}$/m);
  const dataDir = path.join(root, 'line-ends-data');
  const first = await runProject(dir, dataDir);
  assert.deepEqual([first.stages[1].details.datasets.sales.rowsOut, first.stages[1].details.datasets.sales.quarantined], [3, 0]);
  assert.deepEqual(first.stages[0].details.mixedLineEnds, ['sales.csv']);
  // The usual way for a later file (silver has rows), a line it cannot read quarantined as before.
  await fs.writeFile(path.join(dir, 'sources', 'sales_2.csv'), 'id,store,amount\n4,Metz,40\r\n5,Brest,x\n6,Caen,60,extra\r\n');
  const later = await runProject(dir, dataDir);
  const sales = later.stages[1].details.datasets.sales;
  assert.deepEqual([sales.rowsOut, sales.quarantined, sales.rows], [1, 2, 4]);
  assert.deepEqual(await silverRows(dataDir, 'sales', later.runId, 'SELECT id, store, amount FROM $t ORDER BY id'), [
    { id: 1, store: 'Paris', amount: 10 },
    { id: 2, store: 'Lyon\nnord', amount: 20 },
    { id: 3, store: 'Nice', amount: 30 },
    { id: 4, store: 'Metz', amount: 40 },
  ]);
  const [day] = await fs.readdir(path.join(dataDir, 'lake', 'bronze', 'sales'));
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    const preview = (await (await fetch(`${url}/api/lake/bronze/preview?key=${encodeURIComponent(`sales/${day}/sales.csv`)}`)).json()) as { total_rows: number; rows: { id: string }[] };
    assert.deepEqual([preview.total_rows, preview.rows.map((r) => r.id)], [3, ['1', '2', '3']]);
  } finally {
    server.kill('SIGTERM');
  }
});

test('a card statement without ids repeats identical charges: init keeps them as rows (duplicates: keep), and the sums are the statement\'s', async () => {
  const statement = 'Date,Description,Amount\n15/01/2024,TFL TRAVEL CH,2.80\n15/01/2024,TFL TRAVEL CH,2.80\n16/01/2024,PRET A MANGER,4.50\n16/01/2024,PRET A MANGER,4.50\n16/01/2024,PRET A MANGER,4.50\n17/01/2024,TESCO STORES,23.10\n';
  const dir = await initFrom('statement', { 'activity.csv': statement }, 'statement-project');
  const yml = await fs.readFile(path.join(dir, 'datasets', 'activity.yml'), 'utf8');
  assert.match(yml, /^# 3 rows repeat another row of its file exactly, as a statement's two identical charges on one day do: kept as rows\..*\nduplicates: keep$/m);
  const dataDir = path.join(root, 'statement-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'activity', summary.runId, 'SELECT count(*)::INTEGER AS n, sum(amount)::DOUBLE AS total FROM $t'), [{ n: 6, total: 42.2 }]);
  // With duplicates: drop, the repeats are dropped and counted; with a key, keep is refused.
  await fs.writeFile(path.join(dir, 'datasets', 'activity.yml'), yml.replace('duplicates: keep', 'duplicates: drop'));
  const dropped = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'activity', dropped.runId, 'SELECT count(*)::INTEGER AS n FROM $t'), [{ n: 3 }]);
  await fs.writeFile(path.join(dir, 'datasets', 'activity.yml'), yml.replace('duplicates: keep', 'duplicates: keep\nkey: description'));
  const check = await runCli(['check', '--project', dir], {});
  assert.notEqual(check.code, 0);
  assert.match(check.stderr, /duplicates: keep is for a dataset without a key: with key description, a row repeating another's key is not a row of its own/);
  // An export with an id column repeating rows sent the same row twice: dropped as before, no keep, and
  // the id is the key all the same, so that a corrected export replaces its rows.
  const orders = await initFrom('orders-repeated', { 'orders_export.csv': 'order_id,customer,amount\n1,Ann,5.00\n2,Bob,7.00\n2,Bob,7.00\n3,Cy,9.00\n' }, 'orders-repeated-project');
  const ordersYml = await fs.readFile(path.join(orders, 'datasets', 'orders_export.yml'), 'utf8');
  assert.doesNotMatch(ordersYml, /duplicates/);
  assert.match(ordersYml, /^# order_id is never empty and unique but for a row that repeats another row exactly \(sent twice, dropped and counted by the run\).*\nkey: order_id$/m);
  const ordersData = path.join(root, 'orders-repeated-data');
  const first = await runProject(orders, ordersData);
  assert.equal(first.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets.orders_export.exactDuplicates, 1);
  await fs.writeFile(path.join(orders, 'sources', 'orders_export_2.csv'), 'order_id,customer,amount\n2,Bob,8.00\n4,Di,1.00\n');
  const corrected = await runProject(orders, ordersData);
  assert.deepEqual(await silverRows(ordersData, 'orders_export', corrected.runId, 'SELECT order_id, amount::DOUBLE AS amount FROM $t ORDER BY order_id'), [
    { order_id: 1, amount: 5 }, { order_id: 2, amount: 8 }, { order_id: 3, amount: 9 }, { order_id: 4, amount: 1 },
  ]);
  // Two different rows of one id: no key (a line of an order, not the order).
  const lines = await initFrom('order-lines', { 'order_lines.csv': 'order_id,product,amount\n1,pen,5.00\n2,ink,7.00\n2,pad,7.00\n3,pen,9.00\n' }, 'order-lines-project');
  assert.doesNotMatch(await fs.readFile(path.join(lines, 'datasets', 'order_lines.yml'), 'utf8'), /^key:/m);
});

test('a later export renaming a column: the run and check --sources say how to give it its new header (also), and the next run reads it so', async () => {
  const dir = await initFrom('renamed-export', { 'payments.csv': 'id,Created (UTC),Amount\n1,2024-01-05 10:00:00,12.34\n2,2024-01-06 11:00:00,5.00\n' }, 'renamed-export-project');
  const dataDir = path.join(root, 'renamed-export-data');
  await runProject(dir, dataDir);
  await fs.writeFile(path.join(dir, 'sources', 'payments_2.csv'), 'id,Created date (UTC),Amount\n3,2024-02-01 09:00:00,7.50\n');
  const check = await runCli(['check', '--sources', '--project', dir], { DATA_DIR: dataDir });
  assert.match(check.stdout, /or, if the file renamed created_utc, give it its new header too: created_utc: \{ \.\.\., also: \["Created date \(UTC\)"\] \}/);
  const run = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /payments: if payments_2\.csv renamed created_utc, give the column its new header too, e\.g\. created_utc: \{ \.\.\., also: \["Created date \(UTC\)"\] \} in datasets\/payments\.yml/);
  const definition = path.join(dir, 'datasets', 'payments.yml');
  const yaml = await fs.readFile(definition, 'utf8');
  await fs.writeFile(definition, yaml.replace(/^( {2}created_utc: \{ type: timestamp)/m, '$1, also: ["Created date (UTC)"]'));
  assert.notEqual(await fs.readFile(definition, 'utf8'), yaml);
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'payments', summary.runId, "SELECT id, strftime(created_utc, '%Y-%m-%d') AS day FROM $t ORDER BY id"), [
    { id: 1, day: '2024-01-05' },
    { id: 2, day: '2024-01-06' },
    { id: 3, day: '2024-02-01' },
  ]);
});

test('Japanese exports and a statement in yen: amounts whose commas group thousands, ¥, 年月日 dates, a day\'s eight digits under 取引日 and e-Stat\'s … all load', async () => {
  const dir = await initFrom(
    'japan',
    {
      'yen_statement.csv': 'Date,Description,Withdrawal,Deposit,Balance\n2024-01-01,Txn 0,"29,814",,"1,493,586"\n2024-01-02,Txn 1,"48,650",,"1,444,936"\n2024-01-03,Txn 2,,"218,312","1,663,248"\n',
      'chumon.csv': '注文番号,注文日,金額,取引日\n100000,2024年1月16日,"¥109,674",20240104\n100001,2024年3月4日,"¥946",20240131\n',
      'estat.csv': '"都道府県コード","都道府県","2020年","2023年"\n"01000","北海道","8,416","8,359"\n"06000","山形県","…","-"\n"13000","東京都","12,560","12,548"\n',
    },
    'japan-project',
  );
  const yen = await fs.readFile(path.join(dir, 'datasets', 'yen_statement.yml'), 'utf8');
  assert.match(yen, /^decimal_separator: "\."$/m);
  assert.match(yen, /^ {2}withdrawal: \{ type: number \}/m);
  const chumon = await fs.readFile(path.join(dir, 'datasets', 'chumon.yml'), 'utf8');
  assert.match(chumon, /^ {2}c_6ce8_6587_65e5: \{ type: date, format: "%Y年%m月%d日" \} {3}# header "注文日"$/m);
  assert.match(chumon, /^ {2}c_91d1_984d: \{ type: number, unit: "¥" \}/m);
  assert.match(chumon, /^ {2}c_53d6_5f15_65e5: \{ type: date, format: "%Y%m%d" \}/m);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'estat.yml'), 'utf8'), /^ {2}c_2020: \{ type: number, null_values: \["-", "…"\] \}/m);

  const dataDir = path.join(root, 'japan-data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[1].quarantined, 0);
  assert.deepEqual(await silverRows(dataDir, 'yen_statement', summary.runId, 'SELECT withdrawal, deposit, balance FROM $t ORDER BY "date"'), [
    { withdrawal: 29814, deposit: null, balance: 1493586 },
    { withdrawal: 48650, deposit: null, balance: 1444936 },
    { withdrawal: null, deposit: 218312, balance: 1663248 },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'chumon', summary.runId, 'SELECT CAST(c_6ce8_6587_65e5 AS VARCHAR) AS ordered, c_91d1_984d AS amount, CAST(c_53d6_5f15_65e5 AS VARCHAR) AS day FROM $t ORDER BY 1'), [
    { ordered: '2024-01-16', amount: 109674, day: '2024-01-04' },
    { ordered: '2024-03-04', amount: 946, day: '2024-01-31' },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'estat', summary.runId, 'SELECT c_2020, c_2023 FROM $t ORDER BY 1 NULLS FIRST'), [
    { c_2020: null, c_2023: null },
    { c_2020: 8416, c_2023: 8359 },
    { c_2020: 12560, c_2023: 12548 },
  ]);

  // Declared integers without the separator: every row quarantined, and the failure names the option that reads them.
  await fs.writeFile(path.join(dir, 'datasets', 'yen_statement.yml'), yen.replace(/^decimal_separator: "\."\n/m, '').replace(/type: number/g, 'type: integer'));
  const failed = await runCli(['run', '--project', dir], { DATA_DIR: path.join(root, 'japan-data-2') });
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /yen_statement: rule "not_empty": no valid row in the dataset after this run; 3 rows quarantined \(.*\): 3 of the rows set aside hold numbers whose commas group thousands \(30,825\), .*: declare decimal_separator: "\." in datasets\/yen_statement\.yml to read them/);
});

test('figures written from doubles (the World Bank\'s 16 digits), Lichess\' dates and Airbnb\'s t alone: init types them, and the next download\'s values of more decimals load too', async () => {
  const dir = await initFrom(
    'doubles',
    {
      'wdi.csv': 'Country Name,Country Code,2022\nWorld,WLD,100880427939258.6\nAruba,ABW,3544707788.05664\nTuvalu,TUV,60351161.237\n',
      'games.csv': 'Event,UTCDate,Result\nRated Blitz game,2024.01.01,1-0\nRated Blitz game,2024.01.31,0-1\n',
      'listings.csv': 'id,instant_bookable,has_availability\n1,t,t\n2,f,t\n',
    },
    'doubles-project',
  );
  const wdi = await fs.readFile(path.join(dir, 'datasets', 'wdi.yml'), 'utf8');
  assert.match(wdi, /^ {2}c_2022: \{ type: number \} {3}# header "2022"$/m);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'games.yml'), 'utf8'), /^ {2}utcdate: \{ type: date, format: "%Y\.%m\.%d" \}/m);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'listings.yml'), 'utf8'), /^ {2}has_availability: \{ type: boolean \}/m);
  // The next download: the same year's figures revised, with more decimals.
  await fs.writeFile(path.join(dir, 'sources', 'wdi_2.csv'), 'Country Name,Country Code,2022\nWorld,WLD,100880427939258.61\nAruba,ABW,3544707788.0566406\nTuvalu,TUV,60351161.2376891\n');
  const dataDir = path.join(root, 'doubles-data');
  const summary = await runProject(dir, dataDir);
  assert.equal(summary.stages[1].quarantined, 0);
  assert.deepEqual(await silverRows(dataDir, 'wdi', summary.runId, 'SELECT country_code, c_2022 FROM $t ORDER BY c_2022'), [
    { country_code: 'TUV', c_2022: 60351161.2376891 },
    { country_code: 'ABW', c_2022: 3544707788.0566406 },
    { country_code: 'WLD', c_2022: 100880427939258.61 },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'games', summary.runId, 'SELECT CAST(utcdate AS VARCHAR) AS d FROM $t ORDER BY 1'), [{ d: '2024-01-01' }, { d: '2024-01-31' }]);
  assert.deepEqual(await silverRows(dataDir, 'listings', summary.runId, 'SELECT has_availability, instant_bookable FROM $t ORDER BY id'), [
    { has_availability: true, instant_bookable: true },
    { has_availability: true, instant_bookable: false },
  ]);
});

test("NOAA's daily weather: -9999 for a missing figure is read as missing, not averaged; a station and its days are the key, a corrected file replaces their rows", async () => {
  const day = (d: number) => `2024-01-${String(d).padStart(2, '0')}`;
  const lines = ['STATION,DATE,PRCP,TMAX,ELEVATION'];
  for (const station of ['USW00094728', 'USW00014732']) {
    for (let d = 1; d <= 10; d++) lines.push(`${station},${day(d)},${d % 4 === 0 ? -9999 : (d * 0.7).toFixed(1)},${d === 3 || d === 7 ? -9999 : 100 + d},${station.endsWith('28') ? 9999 : 11}`);
  }
  const dir = await initFrom('noaa', { 'ghcn_daily.csv': `${lines.join('\n')}\n` }, 'noaa-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'ghcn_daily.yml'), 'utf8');
  assert.match(yaml, /^key: \[station, date\]$/m);
  assert.match(yaml, /^ {2}prcp: \{ type: number, null_values: \["-9999"\] \} {3}# header "PRCP"; -9999 in 4 rows, far from every other value: read as missing/m);
  assert.match(yaml, /^ {2}tmax: \{ type: integer, null_values: \["-9999"\] \}/m);
  // A column of two values, 11 and 9999 (a station's elevation), has no spread for 9999 to be far from: it stays a value.
  assert.match(yaml, /^ {2}elevation: \{ type: integer \}/m);
  const dataDir = path.join(root, 'noaa-data');
  let summary = await runProject(dir, dataDir);
  const stats = 'SELECT count(prcp) AS prcp, round(avg(tmax), 2) AS tmax, max(elevation) AS elevation, count(*) AS n FROM $t';
  assert.deepEqual(await silverRows(dataDir, 'ghcn_daily', summary.runId, stats), [{ prcp: 16, tmax: 105.63, elevation: 9999, n: 20 }]);
  // The station's corrected figure for a day replaces the row of that day.
  await fs.writeFile(path.join(dir, 'sources', 'ghcn_daily_fix.csv'), `STATION,DATE,PRCP,TMAX,ELEVATION\nUSW00014732,${day(3)},0.5,104,11\n`);
  summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'ghcn_daily', summary.runId, `SELECT prcp, tmax, count(*) OVER () AS n FROM $t WHERE station = 'USW00014732' AND date = DATE '${day(3)}'`), [{ prcp: 0.5, tmax: 104, n: 1 }]);
});

test("a Qualtrics export (labels and import ids under the header, named after the survey and the hour): typed from the answers, the next export of the survey matches, and the run quarantines the two rows", async () => {
  const survey = (ids: string[]) =>
    [
      'StartDate,EndDate,Progress,Duration (in seconds),ResponseId,Q1,Q2',
      'Start Date,End Date,Progress,Duration (in seconds),Response ID,How satisfied are you?,Any comments?',
      '"{""ImportId"":""startDate"",""timeZone"":""America/Denver""}","{""ImportId"":""endDate"",""timeZone"":""America/Denver""}","{""ImportId"":""progress""}","{""ImportId"":""duration""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}"',
      ...ids.map((id, i) => `2024-03-0${i + 1} 10:00:00,2024-03-0${i + 1} 10:05:00,100,${300 + i},${id},${5 - i},"Fine, thanks"`),
    ].join('\n') + '\n';
  const dir = await initFrom('qualtrics', { 'Customer Survey_March 15, 2024_09.15.csv': survey(['R_1', 'R_2', 'R_3']) }, 'qualtrics-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'customer_survey.yml'), 'utf8');
  assert.match(yaml, /^files: "Customer Survey\*\.csv"$/m);
  assert.match(yaml, /^# The first row under the header describes the columns \("Start Date", "End Date", "Progress"\.\.\.\) and the second gives their import ids/m);
  assert.match(yaml, /^ {2}start_date: \{ type: timestamp \}/m);
  assert.match(yaml, /^ {2}q1: \{ type: integer \}/m);
  assert.match(yaml, /^key: response_id$/m);
  await fs.writeFile(path.join(dir, 'sources', 'Customer Survey_April 2, 2024_10.30.csv'), survey(['R_4', 'R_5']));
  const dataDir = path.join(root, 'qualtrics-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'customer_survey', summary.runId, 'SELECT count(*) AS n, sum(q1) AS q1 FROM $t'), [{ n: 5, q1: 21 }]);
  assert.equal(summary.stages.find((s: { stage: string }) => s.stage === 'silver').quarantined, 4);
});

test("Eurostat's SDMX-CSV (constant dimensions before the varying ones): the country and the period are the key, a revised figure replaces its row", async () => {
  const lines = ['DATAFLOW,LAST UPDATE,freq,unit,sex,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG'];
  const geos = ['AT', 'BE', 'BG', 'DE', 'FR'];
  for (const geo of geos) for (let y = 2018; y <= 2023; y++) lines.push(`ESTAT:UNE_RT_A(1.0),25/04/24 23:00:00,A,PC_ACT,T,${geo},${y},${(geo.charCodeAt(0) / 10 + y - 2018).toFixed(1)},${y === 2023 ? 'p' : ''}`);
  const dir = await initFrom('sdmx', { 'estat_une_rt_a.csv': `${lines.join('\n')}\n` }, 'sdmx-project');
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'estat_une_rt_a.yml'), 'utf8');
  // DATAFLOW, freq, unit and sex hold one value each: the four text columns before geo took its place.
  assert.match(yaml, /^key: \[geo, time_period\]$/m);
  await fs.writeFile(path.join(dir, 'sources', 'estat_une_rt_a_revised.csv'), `${lines[0]}\nESTAT:UNE_RT_A(1.0),26/04/24 23:00:00,A,PC_ACT,T,FR,2023,7.5,\n`);
  const dataDir = path.join(root, 'sdmx-data');
  const summary = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'estat_une_rt_a', summary.runId, `SELECT count(*) AS n, max(obs_value) FILTER (WHERE geo = 'FR' AND time_period = 2023) AS fr FROM $t`), [{ n: 30, fr: 7.5 }]);
});

test("Eurostat's TSV layout (dimensions joined by commas, a column per period, flagged figures): refused in one line pointing to its SDMX-CSV", async () => {
  const layouts = {
    'estat_une_rt_a.tsv': 'freq,age,unit,sex,geo\\TIME_PERIOD\t2022 \t2023 \nA,Y15-74,PC_ACT,T,AT\t4.8 \t5.1 p\nA,Y15-74,PC_ACT,T,BE\t: c\t5.5 b\n',
    'une_rt_a.tsv': 'unit,geo\\time\t2019 \t2018 \nPC_ACT,AT\t4.5 \t4.9 \nPC_ACT,DE\t3.2 e\t: \n',
  };
  const csvs = path.join(root, 'eurostat');
  await fs.mkdir(csvs, { recursive: true });
  for (const [name, text] of Object.entries(layouts)) {
    await fs.writeFile(path.join(csvs, name), text);
    const init = await runCli(['init', path.join(root, `eurostat-${name}`), '--from-csv', path.join(csvs, name)], {});
    assert.equal(init.code, 1, init.stdout);
    assert.match(init.stderr, new RegExp(`^error: ${name.replace('.', '\\.')} is in Eurostat's TSV layout \\(the dimensions joined by commas in the first column`, 'm'));
    assert.match(init.stderr, /hint: download the dataset as SDMX-CSV instead/);
    assert.doesNotMatch(init.stderr, /^\s+at /m);
  }
});

test("Unix time (Reddit's created_utc in seconds, a sensor's ts in milliseconds): init declares it, an amount of the same digits stays a number; the run reads the instants in UTC, a later file's value not an integer is quarantined with its reason", async () => {
  const csvs = path.join(root, 'epoch');
  await fs.mkdir(csvs, { recursive: true });
  await fs.writeFile(path.join(csvs, 'posts.csv'), 'id,created_utc,ts,amount\n1,1700000000,1700000000123,1700000000\n2,1700086400,,1700086400\n3,,1700172800999,1700172800\n');
  const dir = path.join(root, 'epoch-project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'posts.csv')], {});
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /^ {4}check created_utc: integers read as seconds since 1970, UTC \(Unix time\), told by its name and their range/m);
  assert.match(init.stdout, /^ {4}check ts: integers read as milliseconds since 1970, UTC/m);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'posts.yml'), 'utf8');
  assert.match(yaml, /^ {2}created_utc: \{ type: timestamp, format: unix_seconds \} {3}# integers read as seconds since 1970, UTC \(Unix time\); if they are not instants, declare type: integer$/m);
  assert.match(yaml, /^ {2}ts: \{ type: timestamp, format: unix_milliseconds \} {3}# integers read as milliseconds since 1970, UTC/m);
  assert.match(yaml, /^ {2}amount: \{ type: number \}$/m);
  assert.match(await fs.readFile(path.join(dir, 'kpis', 'posts_amount_per_month.yml'), 'utf8'), /date_trunc\('month', "created_utc"\)::DATE AS month, sum\("amount"\)/, 'the starter KPI draws the amount over time');

  // In New York: the instants are UTC's whatever the machine's time zone.
  const dataDir = path.join(root, 'epoch-data');
  const env = { DATA_DIR: dataDir, TZ: 'America/New_York' };
  const run = await runCli(['run', '--json', '--project', dir], env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).stages[1].details.datasets.posts.onePass, true, 'read, typed and written by one statement; the later file the usual way');
  const instants = "SELECT id, strftime(created_utc, '%Y-%m-%dT%H:%M:%S.%gZ') AS created_utc, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, amount FROM $t ORDER BY id";
  assert.deepEqual(await silverRows(dataDir, 'posts', JSON.parse(run.stdout).runId, instants), [
    { id: 1, created_utc: '2023-11-14T22:13:20.000Z', ts: '2023-11-14T22:13:20.123Z', amount: 1700000000 },
    { id: 2, created_utc: '2023-11-15T22:13:20.000Z', ts: null, amount: 1700086400 },
    { id: 3, created_utc: null, ts: '2023-11-16T22:13:20.999Z', amount: 1700172800 },
  ]);

  await fs.writeFile(path.join(dir, 'sources', 'posts_2.csv'), 'id,created_utc,ts,amount\n4,1700259200.5,1700259200000,4\n5,1700259200,1700259200000,5\n');
  const later = await runCli(['run', '--json', '--project', dir], env);
  assert.equal(later.code, 0, later.stderr);
  const { posts } = JSON.parse(later.stdout).stages[1].details.datasets;
  assert.deepEqual([posts.rowsOut, posts.quarantined, posts.reasons], [1, 1, { 'invalid_date:created_utc': 1 }]);
  assert.deepEqual(await silverRows(dataDir, 'quarantine/posts', '', 'SELECT _record, _reason, _detail FROM $t'), [
    { _record: 1, _reason: 'invalid_date:created_utc', _detail: 'created_utc "1700259200.5" is not a valid timestamp (seconds since 1970, UTC)' },
  ]);
  assert.deepEqual(await silverRows(dataDir, 'posts', '', "SELECT id, strftime(created_utc, '%Y-%m-%dT%H:%M:%SZ') AS created_utc FROM $t WHERE id > 3"), [{ id: 5, created_utc: '2023-11-17T22:13:20Z' }]);
});
