import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// Google Forms' response sheets exported as CSV, through the built CLI: the time of each response
// followed by the form owner's zone (`2024/01/15 10:23:45 AM GMT+1`), whose offset changes within the
// column in summer (`GMT+2`). Each is the instant in UTC, whatever the machine's time zone.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-forms-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const FORM = 'Event Feedback (Responses) - Form Responses 1';
const HEADER = 'Timestamp,Email Address,"What did you like most?",Rate the event (1-5)';

test('init --from-csv on a Google Forms export (`… AM GMT+1`): the timestamp is typed with the format of its time, is no key, and loads as the instant in UTC; a bad zone is quarantined', async () => {
  const csvs = path.join(root, 'forms');
  await fs.mkdir(csvs, { recursive: true });
  const form = path.join(csvs, `${FORM}.csv`);
  await fs.writeFile(form, `${[
    HEADER,
    '2024/01/15 10:23:45 AM GMT+1,a@example.com,The talks,4',
    '2024/01/15 2:05:01 PM GMT+1,b@example.com,"Food, mostly",5',
    // Summer time begins: the clock's 1:30 and 3:30 are an hour apart.
    '2024/03/31 1:30:00 AM GMT+1,c@example.com,The talks,3',
    '2024/03/31 3:30:00 AM GMT+2,d@example.com,Networking,2',
    '2024/04/02 11:59:59 PM GMT+2,e@example.com,The venue,5',
  ].join('\n')}\n`);
  // A sheet of a US-locale owner: month first, a 24-hour clock, a zone west of UTC.
  const sheet = path.join(csvs, 'Survey.csv');
  await fs.writeFile(sheet, 'Timestamp,Score\n1/15/2024 10:23:45 GMT-5,3\n1/2/2024 15:51:34 GMT-5,4\n1/3/2024 9:41:11 GMT-5:30,5\n');
  const dir = path.join(root, 'project');
  const env = { TZ: 'America/New_York' };
  const init = await runCli(['init', dir, '--from-csv', form, sheet, '--json'], env);
  assert.equal(init.code, 0, init.stderr);
  const written = JSON.parse(init.stdout) as { datasets: { name: string; key: string[] }[] };
  // Not keyed by the timestamp's text: two responses may come in the same second.
  assert.deepEqual(written.datasets.map((d) => [d.name, d.key]), [['event_feedback_responses_form_responses', []], ['survey', []]]);
  const yml = await fs.readFile(path.join(dir, 'datasets', 'event_feedback_responses_form_responses.yml'), 'utf8');
  assert.match(yml, /^ {2}timestamp: \{ type: timestamp, format: "%Y\/%m\/%d %I:%M:%S %p" \} {3}# header "Timestamp"$/m);
  assert.match(yml, /^ {2}rate_the_event_1_5: \{ type: integer \}/m);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'survey.yml'), 'utf8'), /^ {2}timestamp: \{ type: timestamp, format: "%m\/%d\/%Y %H:%M:%S" \}/m);
  // The starter KPI groups by the responses' day, not by each timestamp.
  const [kpi] = await fs.readdir(path.join(dir, 'kpis'));
  assert.match(await fs.readFile(path.join(dir, 'kpis', kpi!), 'utf8'), /CAST\("timestamp" AS DATE\)/);

  const dataDir = path.join(root, 'data');
  const first = await runCli(['run', '--json', '--project', dir], { ...env, DATA_DIR: dataDir });
  assert.equal(first.code, 0, first.stderr);
  const runId = JSON.parse(first.stdout).runId as string;
  const instants = (dataset: string, id: string) => silverRows(dataDir, dataset, id, 'SELECT CAST("timestamp" AS VARCHAR) AS t FROM $t ORDER BY 1').then((rows) => rows.map((r) => r['t']));
  assert.deepEqual(await instants('event_feedback_responses_form_responses', runId), ['2024-01-15 09:23:45', '2024-01-15 13:05:01', '2024-03-31 00:30:00', '2024-03-31 01:30:00', '2024-04-02 21:59:59']);
  assert.deepEqual(await instants('survey', runId), ['2024-01-02 20:51:34', '2024-01-03 15:11:11', '2024-01-15 15:23:45']);

  // The next download: new responses load the same way, a zone no clock has is quarantined with its reason.
  await fs.writeFile(path.join(dir, 'sources', `${FORM} (1).csv`), `${HEADER}\n2024/04/03 9:00:00 AM GMT+2,f@example.com,The talks,4\n2024/04/03 9:05:00 AM GMT+25,g@example.com,The venue,1\n`);
  const second = await runCli(['run', '--json', '--project', dir], { ...env, DATA_DIR: dataDir });
  assert.equal(second.code, 0, second.stderr);
  const again = JSON.parse(second.stdout).runId as string;
  assert.deepEqual(await instants('event_feedback_responses_form_responses', again), ['2024-01-15 09:23:45', '2024-01-15 13:05:01', '2024-03-31 00:30:00', '2024-03-31 01:30:00', '2024-04-02 21:59:59', '2024-04-03 07:00:00']);
  assert.deepEqual(await silverRows(dataDir, 'quarantine/event_feedback_responses_form_responses', again, 'SELECT _reason, _detail FROM $t'), [
    { _reason: 'invalid_date:timestamp', _detail: 'timestamp "2024/04/03 9:05:00 AM GMT+25" is not a valid timestamp (%Y/%m/%d %I:%M:%S %p)' },
  ]);
});
