import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/api/server.js';
import { json, listen } from '../support/http.js';
import { runPipeline } from '../support/run.js';
import { TINY_FILES, tinyProject, type Tiny } from '../support/tiny.js';

/** Countries as a source file may hold them: formulas a spreadsheet would run, and a plain negative number. */
const CUSTOMERS = [
  'id,name,country',
  '1,=cmd|\' /C calc\'!A0,"=HYPERLINK(""http://evil.example"",""x"")"',
  '2,Ann,+1+1',
  '3,Bob,@SUM(A1)',
  '4,Cy,-12.5',
  '5,Di,France',
].join('\n') + '\n';
const ORDERS = ['order_id,customer_id,day,amount', '10,1,2026-01-05,10.00', '11,2,2026-01-06,20.00', '12,3,2026-01-07,30.00', '13,4,2026-01-08,40.00', '14,5,2026-01-09,50.50'].join('\n') + '\n';

/** Every CSV the API writes (a KPI as CSV, an explorer download read as rows) defuses formulas; a user's own file is sent as it is. */
describe('CSV answers: no cell a spreadsheet would run as a formula', () => {
  let tiny: Tiny;
  let app: FastifyInstance;
  let get: (p: string) => Promise<Response>;
  before(async () => {
    tiny = await tinyProject({
      // The customer's name is personal: a download of their file is then read, masked and written anew.
      'datasets/customers.yml': TINY_FILES['datasets/customers.yml']!.replace('name: { type: text, required: true }', 'name: { type: text, required: true, personal: true }'),
      'kpis/balance.yml': `title: { fr: Solde, en: Balance }
description: What each country owes.
sql: SELECT country, -sum(amount)::DOUBLE AS balance FROM fact_orders GROUP BY country ORDER BY country
columns:
  country: { type: string, label: { fr: Pays, en: Country } }
  balance: { type: number, label: { fr: Solde, en: Balance } }
chart: { type: table }
`,
    });
    await tiny.drop('customers.csv', CUSTOMERS);
    await tiny.drop('orders.csv', ORDERS);
    const { error } = await runPipeline({ config: tiny.config });
    assert.equal(error, undefined);
    app = await createApp(tiny.config);
    ({ get } = await listen(app));
  });
  after(async () => {
    await app.close();
    await tiny.cleanup();
  });

  /** The formula a cell of the first customer holds, as a CSV writes it once defused: quoted, for its commas and quotes. */
  const HYPERLINK = `"'=HYPERLINK(""http://evil.example"",""x"")"`;

  test('a KPI as CSV: a quote before each formula, plain negative numbers as they are', async () => {
    const r = await get('/api/balance?format=csv');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/csv/);
    assert.deepEqual((await r.text()).trim().split('\n'), ['country,balance', "'+1+1,-20", '-12.5,-40', `${HYPERLINK},-10`, "'@SUM(A1),-30", 'France,-50.5']);
    // The JSON answer is data, not a spreadsheet: the values as they are.
    const rows = await json(await get('/api/balance'));
    assert.deepEqual(rows.map((row: { country: string }) => row.country), ['+1+1', '-12.5', '=HYPERLINK("http://evil.example","x")', '@SUM(A1)', 'France']);
  });

  test('an explorer download read as rows (Parquet, or a CSV with a column masked) is defused; a file sent as it is is not', async () => {
    const gold = await json(await get('/api/lake/gold'));
    const key = gold.objects.map((o: { key: string }) => o.key).find((k: string) => k.startsWith('kpi_balance/'));
    const parquet = (await (await get(`/api/lake/gold/download?key=${key}`)).text()).trim().split('\n');
    assert.equal(parquet[0], 'country,balance');
    assert.deepEqual(parquet.slice(1).sort(), ["'+1+1,-20.0", `${HYPERLINK},-10.0`, "'@SUM(A1),-30.0", '-12.5,-40.0', 'France,-50.5'].sort());

    // The customers' file has a personal column: read, masked, written anew.
    const bronze = await json(await get('/api/lake/bronze'));
    const customers = bronze.objects.map((o: { key: string }) => o.key).find((k: string) => k.startsWith('customers/'));
    const masked = (await (await get(`/api/lake/bronze/download?key=${customers}`)).text()).trim().split('\n');
    assert.deepEqual(masked, ['id,name,country', `1,***,${HYPERLINK}`, "2,***,'+1+1", "3,***,'@SUM(A1)", '4,***,-12.5', '5,***,France']);

    // A file with nothing to mask is the user's own, sent byte for byte.
    const own = 'a,b\n=1+2,-3\n@x,+y\n';
    await fs.writeFile(path.join(tiny.config.lakeDir, 'sources', 'zz_own.csv'), own);
    assert.equal(await (await get('/api/lake/sources/download?key=zz_own.csv')).text(), own);
  });
});
