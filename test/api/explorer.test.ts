import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config.js';
import { Engine } from '../../src/engine/duckdb.js';
import { expectError, json } from '../support/http.js';
import { runPipeline } from '../support/run.js';
import { publishedShop, type PublishedShop } from '../support/published-shop.js';

/** The lake explorer, the quality report and the run history of a server on a published shop. */
describe('API on a published lake: explorer, quality, runs', () => {
  let config: Config;
  let get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  let shop: PublishedShop;
  before(async () => {
    shop = await publishedShop();
    ({ config, get } = shop);
  });
  after(() => shop.close());

  test('lake explorer: buckets, objects, preview, filter, download; personal data masked', async () => {
    const lake = await json(await get('/api/lake'));
    assert.deepEqual(lake.buckets.map((b: { name: string }) => b.name), ['sources', 'bronze', 'silver', 'gold', 'runs']);
    const gold = await json(await get('/api/lake/gold'));
    assert.equal(gold.version, 1, 'the objects of the current version');
    const goldKeys = gold.objects.map((o: { key: string }) => o.key) as string[];
    // The partitioned models (the fact and the per-month aggregates) have one object per month.
    const monthKeys = goldKeys.filter((k) => /^(fact_achats|ventes_\w+)\//.test(k));
    assert.equal(goldKeys.length - monthKeys.length, 11, 'two dimensions and nine KPIs');
    const factKeys = monthKeys.filter((k) => k.startsWith('fact_achats/'));
    assert.ok(factKeys.length > 1 && monthKeys.every((k) => /^\w+\/month=\d{4}-\d{2}\/[\w.-]+\.parquet$/.test(k)), monthKeys.join());
    assert.equal(monthKeys.length, factKeys.length * 4, 'each month of the fact has its three aggregates');
    assert.ok(gold.objects.every((o: { table: string; key: string }) => o.key.startsWith(o.table.slice('gold/'.length))));
    assert.ok(gold.objects.every((o: { size: number; modified: string }) => o.size > 0 && !Number.isNaN(Date.parse(o.modified))));
    const keysOf = async (bucket: string) => (await json(await get(`/api/lake/${bucket}`))).objects.map((o: { key: string }) => o.key) as string[];
    const achatsCsv = (await keysOf('bronze')).find((k) => /^achats\/ingest_date=[\d-]+\/achats\.csv$/.test(k))!;
    const clientsQuarantine = (await keysOf('silver')).find((k) => /^quarantine\/clients\/ingest_date=[\d-]+\/clients\/[\w.-]+\.parquet$/.test(k))!;
    const clientsData = (await keysOf('silver')).find((k) => /^clients\/[\w.-]+-data_0\.parquet$/.test(k))!;
    assert.ok(achatsCsv && clientsQuarantine && clientsData);

    const preview = await json(await get(`/api/lake/silver/preview?key=${clientsData}&limit=3`));
    assert.equal(preview.total_rows, 200);
    assert.equal(preview.rows.length, 3);
    assert.deepEqual(preview.columns.map((c: { name: string }) => c.name), ['id_client', 'nom', 'email', 'date_inscription', 'pays']);
    assert.ok(preview.rows.every((r: { nom: string; email: string }) => r.nom === '***' && r.email === '***'));

    const csvPreview = await json(await get(`/api/lake/bronze/preview?key=${achatsCsv}&limit=1000`));
    assert.equal(csvPreview.total_rows, 5000);
    assert.equal(csvPreview.rows.length, 1000);
    assert.equal(csvPreview.format, 'csv');

    const filtered = await json(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=pays&value=France&limit=1000`));
    assert.ok(filtered.total_rows > 0);
    assert.ok(filtered.rows.every((r: { pays: string }) => r.pays === 'France'));
    await expectError(await get(`/api/lake/silver/preview?key=${clientsData}&column=email&value=x`), 400, /personal data/);
    await expectError(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=nope&value=1`), 400, /not a column/);
    // Values are bound, not written into the SQL: a quote or a NUL is a value that matches nothing (a NUL was a 500).
    for (const value of ["Fr'ance", 'Fr%00ance', "x' OR '1'='1"]) assert.equal((await json(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=pays&value=${value.replace(/'/g, '%27').replace(/ /g, '%20')}`))).total_rows, 0);
    await expectError(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=id_achat&value=1%002`), 400, /is not a value of id_achat/);
    // A value compares as its column's type: a number written otherwise matches, a word is an error.
    const one = filtered.rows[0] as { id_achat: number; montant: number };
    const byAmount = await json(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=montant&value=${one.montant.toFixed(3)}&limit=1000`));
    assert.ok(byAmount.total_rows > 0 && byAmount.rows.every((r: { montant: number }) => r.montant === one.montant));
    await expectError(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=id_achat&value=abc`), 400, /"value": abc is not a value of id_achat, a column of bigint/);
    // Not rounded, not read as hexadecimal.
    await expectError(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=montant&value=${one.montant.toFixed(2)}5`), 400, /is not a value of montant, a column of decimal\(18,2\)/);
    for (const value of ['2.5', '0x2']) await expectError(await get(`/api/lake/gold/preview?key=${factKeys[0]}&column=id_achat&value=${value}`), 400, /is not a value of id_achat/);

    const quarantine = await json(await get(`/api/lake/silver/preview?key=${clientsQuarantine}`));
    assert.equal(quarantine.total_rows, 1);
    assert.equal(quarantine.rows[0]._reason, 'malformed_line:too_many_columns');
    assert.equal(quarantine.rows[0]._raw_line, '***');
    const quarantineCsv = await (await get(`/api/lake/silver/download?key=${clientsQuarantine}`)).text();
    assert.doesNotMatch(quarantineCsv, /secret/i);

    const download = await get(`/api/lake/silver/download?key=${clientsData}`);
    assert.match(download.headers.get('content-type')!, /^text\/csv/);
    assert.match(download.headers.get('content-disposition')!, /filename="clients_[\w.-]+-data_0\.csv"/);
    const lines = (await download.text()).trim().split('\n');
    assert.equal(lines.length, 201);
    assert.equal(lines[0], 'id_client,nom,email,date_inscription,pays');
    assert.ok(lines.slice(1).every((l) => l.split(',')[1] === '***'));

    // A CSV with nothing to mask is its own lines, the malformed ones too (a reading of its rows leaves them out).
    const bronzeAchats = await fs.readFile(path.join(config.lakeDir, 'bronze', achatsCsv), 'utf8');
    const achatsDownload = await (await get(`/api/lake/bronze/download?key=${achatsCsv}`)).text();
    assert.equal(achatsDownload, bronzeAchats);
    const sent = path.join(config.lakeDir, 'sources', 'zz_sent.csv');
    await fs.writeFile(sent, 'a,b\n1,2\n3,4,5\n6,7\n');
    try {
      assert.equal((await json(await get('/api/lake/sources/preview?key=zz_sent.csv'))).total_rows, 2);
      assert.equal(await (await get('/api/lake/sources/download?key=zz_sent.csv')).text(), 'a,b\n1,2\n3,4,5\n6,7\n');
    } finally {
      await fs.rm(sent, { force: true });
    }
  });

  test('lake explorer refuses keys outside the lake and unknown objects', async () => {
    for (const key of ['../../../etc/passwd', '..%2F..%2Fserving.sqlite', '/etc/passwd', 'a/../../x.csv']) {
      await expectError(await get(`/api/lake/gold/preview?key=${key}`), 400, /parameter "key"/);
      await expectError(await get(`/api/lake/gold/download?key=${key}`), 400, /parameter "key"/);
    }
    await expectError(await get('/api/lake/etc/preview?key=passwd.csv'), 400, /path parameter "bucket"/);
    await expectError(await get('/api/lake/gold/preview?key=nope.parquet'), 404, /no object gold\/nope\.parquet/);
    await expectError(await get('/api/lake/bronze/preview?key=_manifest.json'), 400, /only \.csv, \.tsv, \.txt, \.dat, \.data and \.parquet/);
    await expectError(await get('/api/lake/gold/preview?key=dim_clients.parquet&limit=1001'), 400, /"limit"/);
    await expectError(await get('/api/lake/gold/preview'), 400, /missing query parameter "key"/);
  });

  test('a preview keeps 64-bit integers past 2^53 exact (as strings), the others as numbers', async () => {
    const file = path.join(config.lakeDir, 'gold', 'wide_ids.parquet');
    const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '64MB' }, 'test');
    try {
      await engine.run(`COPY (SELECT * FROM (VALUES (1, 9007199254740993::BIGINT), (2, 42::BIGINT)) t(n, id)) TO '${file}' (FORMAT parquet)`);
    } finally {
      engine.close();
    }
    try {
      const preview = await json(await get('/api/lake/gold/preview?key=wide_ids.parquet'));
      assert.deepEqual(preview.rows, [
        { n: 1, id: '9007199254740993' },
        { n: 2, id: 42 },
      ]);
    } finally {
      await fs.rm(file, { force: true });
    }
  });

  test('an object that is no readable CSV or Parquet: a 422 saying so for preview and download, not a 500', async () => {
    const dir = path.join(config.lakeDir, 'sources');
    const files: [string, string | Buffer, RegExp][] = [
      ['zz_bad.parquet', 'garbage\n', /^zz_bad\.parquet cannot be read as Parquet: .*Parquet/],
      ['zz_framed.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(2048, 7), Buffer.from([8, 0, 0, 0]), Buffer.from('PAR1')]), /^zz_framed\.parquet cannot be read as Parquet: /],
      ['zz_bin.csv', Buffer.from([0, 1, 0xff, 0xfe, 0]), /^zz_bin\.csv cannot be read as CSV: its first line has NUL bytes/],
      ['zz_nul.csv', 'x\0y,c\n1,2\n', /^zz_nul\.csv cannot be read as CSV: its first line has NUL bytes/],
    ];
    await fs.mkdir(dir, { recursive: true });
    for (const [name, bytes] of files) await fs.writeFile(path.join(dir, name), bytes);
    try {
      for (const [name, , message] of files) {
        for (const route of ['preview', 'download']) {
          const r = await get(`/api/lake/sources/${route}?key=${name}`);
          assert.equal(r.status, 422, `${route} ${name}`);
          const body = await r.json() as { code: string; error: string; message: string };
          assert.equal(body.code, 'unreadable_object', `${route} ${name}`);
          assert.equal(body.error, 'Unprocessable Entity', `${route} ${name}: the status's name, not a bare "Error"`);
          assert.match(body.message, message, `${route} ${name}`);
          assert.doesNotMatch(body.message, new RegExp(config.dataDir.replace(/[/.]/g, '\\$&')), 'no server path in an error');
        }
      }
    } finally {
      for (const [name] of files) await fs.rm(path.join(dir, name), { force: true });
    }
  });

  test('a dangling link in the lake is skipped: the run history and the explorer keep answering', async () => {
    const links = [path.join(config.lakeDir, 'runs', 'zz-dangling.json'), path.join(config.lakeDir, 'gold', 'dangling.parquet')];
    for (const l of links) await fs.symlink(path.join(config.dataDir, 'nowhere'), l);
    try {
      for (const p of ['/api/runs', '/api/lake', '/api/lake/gold', '/api/quality']) {
        const r = await get(p);
        assert.equal(r.status, 200, p);
        assert.doesNotMatch(await r.text(), /dangling|nowhere/, p);
      }
      const missing = await get('/api/lake/gold/preview?key=dangling.parquet');
      assert.equal(missing.status, 404);
      assert.doesNotMatch(await missing.text(), new RegExp(config.dataDir.replace(/[/.]/g, '\\$&')), 'no server path in an error');
    } finally {
      for (const l of links) await fs.rm(l, { force: true });
    }
  });

  test('GET /api/quality: the latest report, or a given run\'s', async () => {
    const report = await json(await get('/api/quality'));
    assert.ok(report.checks.length > 10);
    const rules = new Set(report.checks.map((c: { dataset: string; rule: string }) => `${c.dataset}:${c.rule}`));
    for (const r of ['clients:required', 'clients:type', 'clients:unique_key', 'clients:allowed_values', 'achats:references', 'achats:maximum', 'achats:date_range', 'achats:not_empty']) assert.ok(rules.has(r), r);
    assert.ok(report.checks.every((c: { checked: number; failed: number; passed: number }) => c.checked >= c.failed && c.failed >= 0 && c.passed === c.checked - c.failed));
    assert.equal(report.quarantine.clients.reasons['malformed_line:too_many_columns'], 1);
    assert.equal(report.version, 1, 'the version whose data it cleaned');
    const again = await json(await get(`/api/quality?run=${report.runId}`));
    assert.equal(again.version, 1);
    assert.deepEqual(again.checks, report.checks);
    await expectError(await get('/api/quality?run=20200101T000000Z-000000'), 404, /no run/);
    await expectError(await get('/api/quality?run=../x'), 400, /"run"/);
  });

  test('GET /api/runs and /api/runs/{id}', async () => {
    const runs = await json(await get('/api/runs'));
    assert.ok(runs.length >= 1);
    assert.equal(runs[runs.length - 1].flow, 'pipeline');
    assert.deepEqual(runs[runs.length - 1].tasks.filter((t: { parent?: string }) => !t.parent).map((t: { name: string; state: string }) => `${t.name}:${t.state}`), ['bronze:completed', 'silver:completed', 'gold:completed', 'commit:completed', 'publish:completed']);
    const one = await json(await get(`/api/runs/${runs[0].runId}`));
    assert.equal(one.runId, runs[0].runId);
    await expectError(await get('/api/runs/20200101T000000Z-000000'), 404, /no run/);
    await expectError(await get('/api/runs/x%2Fy'), 400, /"id"/);
    // An encoded `..` segment is refused before any route reads it.
    await expectError(await get('/api/runs/..%2Fx'), 400, /^invalid path "\/api\/runs\/\.\.%2Fx": "\." and "\.\." segments/);
  });

  // Last: it commits a second version.
  test('previews, downloads and the comparison say which lake version their numbers come from, as KPI answers do', async () => {
    const version = (r: Response) => [r.headers.get('x-data-version'), r.headers.get('x-data-audit'), Number.isNaN(Date.parse(r.headers.get('x-data-committed-at') ?? '')) ? null : 'date'];
    assert.deepEqual(version(await get('/api/ca_par_pays')), ['1', 'passed', 'date']);
    const kpiObject = async () => ((await json(await get('/api/lake/gold'))).objects.map((o: { key: string }) => o.key) as string[]).find((k) => k.startsWith('kpi_ca_par_pays/'))!;
    const first = await kpiObject();
    for (const route of ['preview', 'download']) assert.deepEqual(version(await get(`/api/lake/gold/${route}?key=${first}`)), ['1', 'passed', 'date'], route);
    assert.deepEqual(version(await get('/api/compare?kpi=ca_par_pays&n=1')), ['1', 'passed', 'date']);

    // A later purchase: version 2 holds a new table of the KPI, version 1 alone the old one.
    await fs.writeFile(path.join(config.sourcesDir, 'achats_late.csv'), 'id_achat,id_client,date_achat,montant,produit\n9900002,1,2026-01-03 10:00:00,12.50,Phone\n');
    assert.equal((await runPipeline({ config })).error, undefined);
    const second = await kpiObject();
    assert.notEqual(second, first);
    assert.deepEqual(version(await get(`/api/lake/gold/preview?key=${second}`)), ['2', 'passed', 'date']);
    assert.deepEqual(version(await get(`/api/lake/gold/download?key=${first}`)), ['1', 'passed', 'date'], 'an object only an older version holds: that version');
    assert.deepEqual(version(await get('/api/compare?kpi=ca_par_pays&n=1')), ['2', 'passed', 'date']);
    // A source file belongs to no version: no header rather than a wrong one.
    const sources = (await json(await get('/api/lake/sources'))).objects.map((o: { key: string }) => o.key) as string[];
    assert.deepEqual(version(await get(`/api/lake/sources/preview?key=${sources[0]}`)), [null, null, null]);
  });
});
