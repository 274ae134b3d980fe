import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { runPipeline } from './support/run.js';
import { startApi } from './support/api.js';
import { FIXED_DAY, tempConfig, tempShopProject } from './support/env.js';

// Personal data reaches neither readers nor the public: not through a header in another case, not
// through a message quoting a headerless file's first line, not through quality examples or a
// quarantine preview where columns were swapped. An admin key sees everything.

const SECRETS = /zoe@private\.org|Max Hidden|max@hidden\.org|ivy@upper\.org|Ivy Upper/;

describe('personal data for non-admins', () => {
  let config: Config;
  let app: FastifyInstance;
  let base: string;
  const reader = { authorization: 'Bearer reader-key' };
  const admin = { authorization: 'Bearer admin-key' };
  const get = (p: string, headers: Record<string, string> = {}) => fetch(base + p, { headers });

  before(async () => {
    ({ config } = await tempConfig({ API_KEYS: 'admin:admin-key,reader:reader-key' }));
    await generate({ outDir: config.sourcesDir, clients: 50, achats: 500, seed: 8, asOf: FIXED_DAY });
    // The e-mail in the sign-up date's column: quarantined as an invalid date, quoting the e-mail.
    await fs.appendFile(path.join(config.sourcesDir, 'clients.csv'), '1001,Zoe Hidden,2025-01-01,zoe@private.org,France\n');
    // A headerless file: its first line (a name and an e-mail) is taken for a header, and quoted.
    await fs.writeFile(path.join(config.sourcesDir, 'clients_noheader.csv'), '1002,Max Hidden,max@hidden.org,2025-01-01,France\n1003,Other,o@x.org,2025-01-02,Spain\n');
    // Personal columns under other spellings of their headers.
    await fs.writeFile(path.join(config.sourcesDir, 'clients_upper.csv'), 'ID_CLIENT,NOM,Email,Date Inscription,PAYS\n1004,Ivy Upper,ivy@upper.org,2025-01-03,France\n');
    // A malformed line of purchases, a dataset without personal columns.
    await fs.writeFile(path.join(config.sourcesDir, 'achats_extra.csv'), 'id_achat,id_client,date_achat,montant,produit\n900001,1,2025-01-05 10:00:00,12.50,Phone,extra field\n');
    assert.equal((await runPipeline({ config })).error, undefined);
    ({ app, url: base } = await startApi(config));
  });
  after(async () => {
    await app?.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('run records and the quality report quote no personal data to readers or the public; admins see it', async () => {
    for (const headers of [{}, reader]) {
      for (const p of ['/api/runs', '/api/quality']) {
        const body = await (await get(p, headers)).text();
        assert.doesNotMatch(body, SECRETS, `${p} as ${JSON.stringify(headers)}`);
      }
    }
    const runs = await (await get('/api/runs', reader)).json();
    assert.doesNotMatch(await (await get(`/api/runs/${runs[0].runId}`, reader)).text(), SECRETS);
    const waiting = runs[0].stages[1].details.datasets.clients.waitingFiles[0].reason as string;
    assert.match(waiting, /clients_noheader\.csv: missing columns .* \(the header has: \*\*\*\)/, 'the reason stays, the quoted line goes');
    const quality = await (await get('/api/quality', reader)).json();
    const dates = quality.checks.find((c: { rule: string; column: string }) => c.rule === 'type' && c.column === 'date_inscription');
    assert.deepEqual(dates.examples.map((e: { value: string; detail: string }) => [e.value, e.detail]), [['***', 'date_inscription "***" is not a valid date']]);

    assert.match(await (await get('/api/runs', admin)).text(), /max@hidden\.org/, 'an admin sees the header as it was');
    assert.match(await (await get('/api/quality', admin)).text(), /zoe@private\.org/);
  });

  test('the explorer masks personal columns whatever the header spelling, and whole quarantine rows of a personal dataset', async () => {
    const keys = (await (await get('/api/lake/bronze', reader)).json()).objects.map((o: { key: string }) => o.key) as string[];
    const upper = keys.find((k) => k.endsWith('/clients_upper.csv'))!;
    const preview = await (await get(`/api/lake/bronze/preview?key=${encodeURIComponent(upper)}`, reader)).json();
    assert.deepEqual(preview.rows[0], { ID_CLIENT: '1004', NOM: '***', Email: '***', 'Date Inscription': '2025-01-03', PAYS: 'France' });
    assert.equal((await get(`/api/lake/bronze/preview?key=${encodeURIComponent(upper)}&column=NOM&value=Ivy%20Upper`, reader)).status, 400);
    assert.doesNotMatch(await (await get(`/api/lake/bronze/download?key=${encodeURIComponent(upper)}`, reader)).text(), SECRETS);

    const silver = (await (await get('/api/lake/silver?prefix=quarantine/clients/', reader)).json()).objects.map((o: { key: string }) => o.key) as string[];
    const quarantine = silver.find((k) => /\/clients\/[\w.-]+\.parquet$/.test(k))!;
    const rows = (await (await get(`/api/lake/silver/preview?key=${encodeURIComponent(quarantine)}`, reader)).json()).rows as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    assert.deepEqual(
      Object.fromEntries(Object.entries(rows[0]!).filter(([k]) => k !== '_source_file')),
      { _record: 51, _line: null, _reason: 'invalid_date:date_inscription', _detail: '***', id_client: '***', nom: '***', email: '***', date_inscription: '***', pays: '***', _raw_line: null },
    );
    assert.doesNotMatch(await (await get(`/api/lake/silver/download?key=${encodeURIComponent(quarantine)}`, reader)).text(), SECRETS);
    const full = await (await get(`/api/lake/silver/preview?key=${encodeURIComponent(quarantine)}`, admin)).json();
    assert.equal(full.rows[0].date_inscription, 'zoe@private.org');
    // A dataset without personal columns: the raw text of its malformed line is what a reader needs to fix the file.
    const purchases = ((await (await get('/api/lake/silver?prefix=quarantine/achats/', reader)).json()).objects as { key: string }[]).find((o) => o.key.includes('achats_extra'))!;
    const malformed = (await (await get(`/api/lake/silver/preview?key=${encodeURIComponent(purchases.key)}`, reader)).json()).rows[0];
    assert.deepEqual([malformed._reason, malformed._raw_line], ['malformed_line:too_many_columns', '900001,1,2025-01-05 10:00:00,12.50,Phone,extra field']);
  });
});

describe('personal data carried into gold under other names', () => {
  test('a model renaming or transforming a personal column (email AS contact, through a CTE, by another model) is masked in the explorer; counts are not', async () => {
    const { dir, config } = await tempShopProject(
      {
        // A personal column whose name has an underscore: masked under its SQL name too.
        'datasets/clients.yml': (t) => t.replace(/date_inscription: \{ type: date/, 'date_inscription: { type: date, personal: true'),
        'models/contacts.sql': "WITH c(who, id) AS (SELECT nom, id_client FROM clients)\nSELECT cl.id_client, cl.email AS contact, lower(cl.email) AS mail, c.who, cl.pays, count(cl.email) OVER () AS emails, cl.date_inscription AS joined\nFROM clients cl JOIN c ON c.id = cl.id_client\n",
        'models/contact_list.sql': 'SELECT id_client, upper(contact) AS shout FROM contacts\n',
      },
      { API_KEYS: 'admin:admin-key,reader:reader-key' },
    );
    try {
      await generate({ outDir: config.sourcesDir, clients: 20, achats: 100, seed: 3, asOf: FIXED_DAY });
      assert.equal((await runPipeline({ config })).error, undefined);
      const { app, url } = await startApi(config);
      try {
        const get = async (p: string, headers: Record<string, string> = {}) => (await fetch(url + p, { headers })).json();
        const keys = (await get('/api/lake/gold', { authorization: 'Bearer reader-key' })).objects.map((o: { key: string }) => o.key) as string[];
        const contacts = keys.find((k) => k.startsWith('contacts/'))!;
        const row = (await get(`/api/lake/gold/preview?key=${encodeURIComponent(contacts)}`, { authorization: 'Bearer reader-key' })).rows[0];
        assert.deepEqual([row.contact, row.mail, row.who, row.joined], ['***', '***', '***', '***']);
        assert.equal(typeof row.id_client, 'number');
        assert.equal(row.emails, 20);
        assert.notEqual(row.pays, '***');
        const list = keys.find((k) => k.startsWith('contact_list/'))!;
        assert.equal((await get(`/api/lake/gold/preview?key=${encodeURIComponent(list)}`, { authorization: 'Bearer reader-key' })).rows[0].shout, '***');
        const admin = (await get(`/api/lake/gold/preview?key=${encodeURIComponent(contacts)}`, { authorization: 'Bearer admin-key' })).rows[0];
        assert.match(admin.contact, /@/);
      } finally {
        await app.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(config.dataDir, { recursive: true, force: true });
    }
  });
});

describe('personal columns under the headers a definition gives them (header, also)', () => {
  test("a file whose header is a personal column's `also` (Courriel for email) or exact `header` (NAME) is masked in the explorer", async () => {
    const { config } = await tempShopProject(
      { 'datasets/clients.yml': (old) => old.replace('email: { type: text, personal: true,', 'email: { type: text, personal: true, also: ["Courriel"],').replace('nom: { type: text, personal: true,', 'nom: { type: text, personal: true, header: "NAME",') },
      { API_KEYS: 'admin:admin-key,reader:reader-key' },
    );
    let app: FastifyInstance | undefined;
    try {
      await generate({ outDir: config.sourcesDir, clients: 20, achats: 100, seed: 4, asOf: FIXED_DAY });
      await fs.writeFile(path.join(config.sourcesDir, 'clients_fr.csv'), 'id_client,NAME,Courriel,date_inscription,pays\n2001,Max Hidden,max@hidden.org,2025-01-03,France\n');
      assert.equal((await runPipeline({ config })).error, undefined);
      let base: string;
      ({ app, url: base } = await startApi(config));
      const get = async (p: string, key: string) => (await fetch(base + p, { headers: { authorization: `Bearer ${key}` } })).json();
      const keys = (await get('/api/lake/bronze', 'reader-key')).objects.map((o: { key: string }) => o.key) as string[];
      const file = encodeURIComponent(keys.find((k) => k.endsWith('/clients_fr.csv'))!);
      assert.deepEqual((await get(`/api/lake/bronze/preview?key=${file}`, 'reader-key')).rows[0], { id_client: '2001', NAME: '***', Courriel: '***', date_inscription: '2025-01-03', pays: 'France' });
      assert.equal((await get(`/api/lake/bronze/preview?key=${file}`, 'admin-key')).rows[0].Courriel, 'max@hidden.org');
    } finally {
      await app?.close();
      await fs.rm(path.dirname(config.sourcesDir), { recursive: true, force: true });
    }
  });
});
