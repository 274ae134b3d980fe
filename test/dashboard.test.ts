/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DASHBOARD_DIR } from '../src/api/app.js';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { runPipeline } from './support/run.js';
import { startApi } from './support/api.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { TINY_FILES, tinyProject } from './support/tiny.js';
import { loadConfig } from '../src/config.js';

// The dashboard in real headless Chromium (Debian's package, driven by playwright-core).
// Without a browser the suite says loudly that it skipped; DATALAKE_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('artifacts');
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  const message = `dashboard browser tests: ${CHROMIUM} not found (apt-get install -y chromium)`;
  if (process.env['DATALAKE_REQUIRE_BROWSER'] === '1') throw new Error(`${message}, and DATALAKE_REQUIRE_BROWSER=1`);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
}

const serve = startApi;

const digits = (text: string | null) => (text ?? '').replace(/\D/g, '');

describe('dashboard in headless Chromium', { skip: haveBrowser ? false : `no browser at ${CHROMIUM}` }, () => {
  let config: Config;
  let server: { app: FastifyInstance; url: string };
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const api = async (p: string): Promise<any> => (await fetch(server.url + p)).json();

  before(async () => {
    assert.ok(existsSync(DASHBOARD_DIR), 'the dashboard is built (npm run build)');
    ({ config } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 120, achats: 4000, seed: 4, asOf: FIXED_DAY });
    assert.equal((await runPipeline({ config })).error, undefined);
    server = await serve(config);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await server?.app.close();
    if (config) await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  async function open(tab: string): Promise<void> {
    await page.goto(`${server.url}/#${tab}`);
    await page.waitForSelector(`[data-testid=view-${tab}] > :not(.loading)`);
  }
  async function chartsReady(count: number): Promise<void> {
    await page.waitForFunction((n) => document.querySelectorAll('.chart[data-ready=true] canvas').length >= n, count);
  }
  const rowCountOf = (p: Page, testId: string) => p.locator(`[data-testid=${testId}] tbody tr`).count();
  const rowCount = (testId: string) => rowCountOf(page, testId);
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

  test('Accueil: the project title, its headline cards (the resume KPI), then the read-time comparison behind the button', async () => {
    await open('accueil');
    const resume = (await api('/api/resume'))[0];
    assert.equal(await page.textContent('[data-testid=project-title]'), 'Boutique — tableau de bord');
    const card = (column: string) => page.textContent(`[data-testid=cards-resume] [data-testid=card-${column}] .card-value`);
    assert.equal(digits(await card('nb_achats')), String(resume.nb_achats));
    assert.equal(await card('nb_pays'), String(resume.nb_pays));
    assert.equal(digits(await card('ca_total')), String(Math.round(resume.ca_total * 100)));
    assert.equal((await api('/api/ca_par_pays')).length, resume.nb_pays);
    // A badge per dataset: achats (its SLA 26h / 50h) was just ingested, clients declares none.
    assert.deepEqual((await api('/api/freshness')).datasets.map((d: { dataset: string; state: string }) => [d.dataset, d.state]), [['clients', 'no_sla'], ['achats', 'ok']]);
    assert.equal(await page.getAttribute('[data-testid=freshness-achats]', 'data-state'), 'ok');
    assert.match((await page.textContent('[data-testid=freshness-achats]')) ?? '', /^achatsà jourdernier fichier il y a \d+ (s|min)$/);
    assert.match((await page.getAttribute('[data-testid=freshness-achats]', 'title')) ?? '', /alerte après 26h, erreur après 50h/);
    assert.match((await page.textContent('[data-testid=freshness-clients]')) ?? '', /^clientssans SLA/);
    await page.click('[data-testid=compare-button]');
    await page.waitForSelector('[data-testid=compare-table]');
    assert.equal(await rowCount('compare-table'), 2);
    assert.match((await page.textContent('[data-testid=compare-table]')) ?? '', /SQLite[\s\S]*Dossier local/);
    await chartsReady(1);
    await shot('accueil');
  });

  test('CA par pays: bar and pie charts and the table of published values, filtered by country', async () => {
    await open('ca-pays');
    await chartsReady(2);
    const rows = await api('/api/ca_par_pays');
    assert.equal(await rowCount('table-ca_par_pays'), rows.length);
    assert.equal(await page.textContent('[data-testid=table-ca_par_pays] tbody tr:first-child td:first-child'), rows[0].pays);
    assert.equal(digits(await page.textContent('[data-testid=table-ca_par_pays] tbody tr:first-child td:nth-child(3)')), digits(rows[0].ca_total.toFixed(2)));
    await shot('ca-pays');
    // Which version of the lake the tab shows, and the run that committed it.
    const [version] = await api('/api/versions');
    assert.match((await page.textContent('[data-testid=data-version]')) ?? '', new RegExp(`version ${version.version}\\b`));
    assert.equal(await page.getAttribute('[data-testid=data-version-run]', 'href'), `api/runs/${version.runId}`);
    await page.selectOption('[data-testid=filter-pays]', 'France');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === 1);
    assert.equal(await page.textContent('[data-testid=table-ca_par_pays] tbody tr td:first-child'), 'France');
    await page.selectOption('[data-testid=filter-pays]', '');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === n, rows.length);
  });

  test('Volumes: one tab of four time KPIs as a grain switch (day, week, month, year), and a date range', async () => {
    await open('volumes');
    await chartsReady(1);
    assert.equal(await rowCount('table-volumes_jour'), (await api('/api/volumes_jour')).length);
    await page.fill('[data-testid=range-from]', '2026-03-01');
    await page.fill('[data-testid=range-to]', '2026-03-10');
    await page.click('[data-testid=range-apply]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-volumes_jour] tbody tr').length === 10);
    await page.click('[data-testid=grain-volumes_mois]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-volumes_mois] tbody tr').length === 1);
    await page.click('[data-testid=range-reset]');
    const months = await api('/api/volumes_mois');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-volumes_mois] tbody tr').length === n, months.length);
    await page.click('[data-testid=grain-volumes_semaine]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-volumes_semaine] tbody tr').length === n, (await api('/api/volumes_semaine')).length);
    await page.click('[data-testid=grain-volumes_annee]');
    const years = new Set(months.map((m: { mois: string }) => m.mois.slice(0, 4)));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-volumes_annee] tbody tr').length === n, years.size);
    await chartsReady(1);
    await shot('volumes');
    await page.click('[data-testid=grain-volumes_jour]');
  });

  test('Croissance: growth line over monthly revenue bars, and the table', async () => {
    await open('croissance');
    await chartsReady(1);
    const rows = await api('/api/croissance');
    assert.equal(await rowCount('table-croissance'), rows.length);
    assert.equal(await page.textContent('[data-testid=table-croissance] tbody tr:first-child td:last-child'), '—', 'no growth for the first month');
    await shot('croissance');
  });

  test('Distribution: statistics cards and the histogram', async () => {
    await open('distribution');
    await chartsReady(1);
    const d = (await api('/api/distribution'))[0];
    assert.equal(digits(await page.textContent('[data-testid=cards-distribution] [data-testid=card-nb_achats] .card-value')), String(d.nb_achats));
    assert.equal(digits(await page.textContent('[data-testid=cards-distribution] [data-testid=card-montant_median] .card-value')), digits(d.montant_median.toFixed(2)));
    assert.ok(await page.isVisible('[data-testid=chart-histogramme_montants]'));
    await shot('distribution');
  });

  test('Qualité: every rule with rows checked and failed, and the quarantine counts', async () => {
    await open('qualite');
    const report = await api('/api/quality');
    assert.equal(await rowCount('table-quality'), report.checks.length);
    assert.equal(await rowCount('table-quarantine'), 2);
    assert.equal(await page.textContent('[data-testid=quality-rules] .card-value'), String(report.checks.length));
    await shot('qualite');
  });

  test('Explorateur: browse, preview, filter by a column value, download as CSV', async () => {
    await open('explorateur');
    await page.click('[data-testid=bucket-gold]');
    // The fact table is one object per month: the first month's.
    const month = ((await api('/api/lake/gold')).objects as { key: string }[]).map((o) => o.key).find((k) => k.startsWith('fact_achats/'))!;
    const monthRows = (await api(`/api/lake/gold/preview?key=${month}&limit=1`)).total_rows as number;
    assert.ok(monthRows > 100, `${month} has ${monthRows} rows`);
    await page.click(`[data-testid="object-${month}"]`);
    await page.waitForSelector('[data-testid=table-preview]');
    assert.equal(await rowCount('table-preview'), 100);
    await page.selectOption('[data-testid=filter-column]', 'pays');
    await page.fill('[data-testid=filter-value]', 'France');
    await page.click('[data-testid=filter-apply]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=table-preview] tbody tr td:last-child')].every((td) => td.textContent === 'France'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-csv]')]);
    assert.equal(download.suggestedFilename(), `${month.replace(/\.parquet$/, '').replace(/[^\w.-]/g, '_')}.csv`);
    const file = path.join(ARTIFACTS, 'fact_achats_month.csv');
    await download.saveAs(file);
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'id_achat,id_client,date_achat,montant,produit,pays');
    assert.equal(lines.length, monthRows + 1);
    await shot('explorateur');
  });

  test("Runs: the run history with per-stage figures, and a run's tasks on a timeline with its log", async () => {
    await open('runs');
    await chartsReady(2);
    const runs = await api('/api/runs');
    assert.equal(await rowCount('table-runs'), runs.length);
    assert.match((await page.textContent('[data-testid=table-runs]')) ?? '', /completed/);
    assert.ok(await page.isVisible('[data-testid=chart-tasks]'));
    assert.equal(await rowCount('table-run-log'), runs[0].logs.length);
    assert.match((await page.textContent('[data-testid=table-run-log]')) ?? '', /pipeline started/);
    await shot('runs');
  });

  test('English switch, and a phone-width layout without horizontal scrolling', async () => {
    await open('accueil');
    await page.click('[data-testid=lang-en]');
    await page.waitForFunction(() => document.querySelector('[data-testid=tab-accueil]')?.textContent === 'Home');
    assert.equal(await page.textContent('[data-testid=cards-resume] [data-testid=card-nb_achats] .card-label'), 'Purchases');
    assert.equal(await page.textContent('[data-testid=tab-ca-pays]'), 'Revenue by country');
    await page.click('[data-testid=lang-fr]');
    await page.setViewportSize({ width: 390, height: 844 });
    await open('ca-pays');
    await chartsReady(2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px`);
    await shot('phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('a link to a view: the grain, date range and version are in the address, and the address opens that view', async () => {
    // A second version of the lake (a daily drop), so that version 1 is not the published one.
    const drop = ['id_achat,id_client,date_achat,montant,produit', '900001,1,2026-06-10 10:00:00,99.99,Phone', '900002,2,2026-06-11 11:00:00,10.00,Mouse'];
    await fs.writeFile(path.join(config.sourcesDir, 'achats_2026-06-12.csv'), `${drop.join('\n')}\n`);
    assert.equal((await runPipeline({ config })).error, undefined);
    await new Promise((r) => setTimeout(r, 150)); // the API notices a publish within 100 ms
    assert.ok((await api('/api/versions')).length >= 2);

    await open('volumes');
    await page.click('[data-testid=grain-volumes_mois]');
    await page.waitForSelector('[data-testid=table-volumes_mois]');
    // One history entry per change: none while the dates are typed, one when the range is applied.
    const entries = () => page.evaluate(() => history.length);
    const before = await entries();
    await page.fill('[data-testid=range-from]', '2026-02-01');
    await page.fill('[data-testid=range-to]', '2026-06-30');
    assert.equal(await entries(), before);
    await page.click('[data-testid=range-apply]');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('to') === '2026-06-30');
    assert.equal(await entries(), before + 1);
    await page.selectOption('[data-testid=version-volumes]', '1');
    await page.waitForFunction(() => /version 1\b/.test(document.querySelector('[data-testid=data-version]')?.textContent ?? ''));
    const url = page.url();
    const [hashTab, query] = new URL(url).hash.slice(1).split('?');
    assert.equal(hashTab, 'volumes');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(query)), { grain: 'volumes_mois', from: '2026-02-01', to: '2026-06-30', version: '1' });
    // What version 1 has, which is not what the published version has in June.
    const v1 = await api('/api/volumes_mois?from=2026-02-01&to=2026-06-30&version=1');
    assert.notDeepEqual(v1, await api('/api/volumes_mois?from=2026-02-01&to=2026-06-30'));
    assert.equal(await rowCount('table-volumes_mois'), v1.length);

    const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(e.message));
    try {
      await other.goto(url);
      await other.waitForSelector('[data-testid=table-volumes_mois]');
      assert.equal(await other.inputValue('[data-testid=range-from]'), '2026-02-01');
      assert.equal(await other.inputValue('[data-testid=range-to]'), '2026-06-30');
      assert.equal(await other.inputValue('[data-testid=version-volumes]'), '1');
      assert.equal(await other.getAttribute('[data-testid=grain-volumes_mois]', 'aria-pressed'), 'true');
      assert.equal(await other.getAttribute('[data-testid=tab-volumes]', 'aria-selected'), 'true');
      const table = (p: Page) => p.locator('[data-testid=table-volumes_mois] tbody').innerText();
      assert.equal(await table(other), await table(page));
      assert.equal(await other.textContent('[data-testid=data-version]'), await page.textContent('[data-testid=data-version]'));
      assert.equal(other.url(), url, 'the address is kept as it is');
      assert.deepEqual(errors, []);
    } finally {
      await other.close();
    }
  });

  test('back and forward move between views: the tab and its state come back', async () => {
    // From the view the previous test left: Volumes by month, a date range, version 1.
    const volumes = page.url();
    assert.match(volumes, /#volumes\?/);
    const months = await page.locator('[data-testid=table-volumes_mois] tbody').innerText();
    await page.click('[data-testid=tab-ca-pays]');
    await page.waitForSelector('[data-testid=table-ca_par_pays]');
    // The tabs' links keep each tab's state.
    assert.equal(await page.getAttribute('[data-testid=tab-volumes]', 'href'), new URL(volumes).hash);
    const countries = (await api('/api/ca_par_pays')).length;
    await page.selectOption('[data-testid=filter-pays]', 'France');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === 1);
    assert.equal(new URL(page.url()).hash, '#ca-pays?pays=France');

    await page.goBack();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === n, countries);
    assert.equal(await page.inputValue('[data-testid=filter-pays]'), '');
    await page.goBack();
    await page.waitForSelector('[data-testid=view-volumes] [data-testid=table-volumes_mois]');
    assert.equal(page.url(), volumes);
    assert.equal(await page.inputValue('[data-testid=range-from]'), '2026-02-01');
    assert.equal(await page.inputValue('[data-testid=version-volumes]'), '1');
    assert.equal(await page.locator('[data-testid=table-volumes_mois] tbody').innerText(), months);

    await page.goForward();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=view-ca-pays] [data-testid=table-ca_par_pays] tbody tr').length === n, countries);
    await page.goForward();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === 1);
    assert.equal(await page.inputValue('[data-testid=filter-pays]'), 'France');
    assert.equal(await page.textContent('[data-testid=table-ca_par_pays] tbody tr td:first-child'), 'France');
    // Back within a tab: the filter goes, the focus stays on the page's controls.
    await page.goBack();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === n, countries);
    await page.focus('[data-testid=filter-pays]');
    await page.selectOption('[data-testid=filter-pays]', 'France');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === 1);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'filter-pays', 'the focus is back on the filter once redrawn');
    await page.selectOption('[data-testid=filter-pays]', '');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-ca_par_pays] tbody tr').length === n, countries);
  });

  test('the explorer and the runs tab keep what they show in the address: a link opens that object, filter and run', async () => {
    const runs = (await api('/api/runs')) as { runId: string; logs: unknown[] }[];
    assert.ok(runs.length >= 2, 'two runs at least (the first load and the daily drop)');
    const month = ((await api('/api/lake/silver')).objects as { key: string }[]).map((o) => o.key).find((k) => k.startsWith('achats/month='))!;
    const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(e.message));
    try {
      const link = `${server.url}/#explorateur?bucket=silver&key=${encodeURIComponent(month)}&column=produit&value=Phone`;
      await other.goto(link);
      await other.waitForSelector('[data-testid=table-preview]');
      assert.equal(await other.getAttribute('[data-testid=bucket-silver]', 'class'), 'active');
      assert.equal(await other.inputValue('[data-testid=filter-column]'), 'produit');
      assert.equal(await other.inputValue('[data-testid=filter-value]'), 'Phone');
      assert.ok((await rowCountOf(other, 'table-preview')) > 0);
      await other.waitForFunction(() => [...document.querySelectorAll('[data-testid=table-preview] tbody tr td:last-child')].every((td) => td.textContent === 'Phone'));
      // Choosing a bucket is a step in the history: back returns to the object and its filter.
      await other.click('[data-testid=bucket-gold]');
      await other.waitForFunction(() => location.hash === '#explorateur' && document.querySelector('[data-testid=bucket-gold]')?.className === 'active');
      await other.goBack();
      await other.waitForFunction(() => document.querySelector('[data-testid=bucket-silver]')?.className === 'active' && document.querySelector('[data-testid=table-preview]') !== null);
      assert.equal(other.url(), link);

      // An older run by its id; an unknown id shows the newest and corrects the address. The older run's
      // record gets the alert delivery its end would have recorded with a webhook set (test/alerts.test.ts).
      const older = runs.at(-1)!;
      const recordFile = path.join(config.lakeDir, 'runs', `${older.runId}.json`);
      const record = JSON.parse(await fs.readFile(recordFile, 'utf8'));
      record.alerts = [{ event: 'run_failed', at: new Date().toISOString(), status: 'failed', attempts: 3, seconds: 1.2, target: 'http://127.0.0.1:9/***', error: 'connect ECONNREFUSED' }];
      await fs.writeFile(recordFile, JSON.stringify(record));
      await other.goto(`${server.url}/#runs?run=${older.runId}`);
      await other.waitForSelector('[data-testid=table-run-log]');
      assert.equal(await other.inputValue('[data-testid=run-select]'), older.runId);
      assert.equal(await rowCountOf(other, 'table-run-log'), older.logs.length);
      assert.equal(await rowCountOf(other, 'table-run-alerts'), 1);
      assert.match(await other.locator('[data-testid=table-run-alerts]').innerText(), /run_failed\s+failed\s+3\s+connect ECONNREFUSED/);
      await other.selectOption('[data-testid=run-select]', runs[1]!.runId);
      await other.waitForFunction((id) => location.hash === `#runs?run=${id}`, runs[1]!.runId);
      await other.goto(`${server.url}/#runs?run=20000101T000000.000Z-000000`);
      await other.waitForFunction(() => location.hash === '#runs');
      assert.equal(await other.inputValue('[data-testid=run-select]'), runs[0]!.runId);
      await other.goto(`${server.url}/#explorateur?bucket=nope`);
      await other.waitForFunction(() => location.hash === '#explorateur' && document.querySelector('[data-testid=bucket-gold]')?.className === 'active');
      assert.deepEqual(errors, []);
    } finally {
      await other.close();
    }
  });

  test('an address with values that do not fit opens the tab with its defaults, and says which version it could not show', async () => {
    const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(e.message));
    try {
      await other.goto(`${server.url}/#volumes?grain=nope&from=notadate&to=2026-02-30&version=999999`);
      await other.waitForSelector('[data-testid=table-volumes_jour]');
      assert.equal(await rowCountOf(other, 'table-volumes_jour'), (await api('/api/volumes_jour')).length);
      assert.equal(await other.getAttribute('[data-testid=grain-volumes_jour]', 'aria-pressed'), 'true');
      assert.equal(await other.inputValue('[data-testid=range-from]'), '');
      assert.equal(await other.inputValue('[data-testid=range-to]'), '');
      assert.equal(await other.inputValue('[data-testid=version-volumes]'), '');
      assert.match((await other.textContent('[data-testid=version-error]')) ?? '', /999999/);
      const [published] = await api('/api/versions');
      assert.match((await other.textContent('[data-testid=data-version]')) ?? '', new RegExp(`version ${published.version}\\b`));
      await other.screenshot({ path: path.join(ARTIFACTS, 'dashboard-link-unknown-version.png') });
      // The address then says what is shown.
      await other.waitForFunction(() => location.hash === '#volumes');

      await other.goto(`${server.url}/#ca-pays?pays=Atlantis&version=abc&grain=x`);
      await other.waitForFunction((n) => document.querySelectorAll('[data-testid=view-ca-pays] [data-testid=table-ca_par_pays] tbody tr').length === n, (await api('/api/ca_par_pays')).length);
      assert.equal(await other.inputValue('[data-testid=filter-pays]'), '');
      assert.equal(await other.locator('[data-testid=version-error]').count(), 0);
      await other.goto(`${server.url}/#nope?x=%E0%A4%A`);
      await other.waitForSelector('[data-testid=view-accueil] [data-testid=cards-resume]');
      assert.deepEqual(errors, []);
    } finally {
      await other.close();
    }
  });

  test('no console error on any tab', () => {
    assert.deepEqual(consoleErrors, []);
  });

  test('empty state when nothing is published, error state when the API is unreachable', async () => {
    const { config: emptyConfig } = await tempConfig();
    const empty = await serve(emptyConfig);
    const other = await browser.newPage();
    try {
      await other.goto(`${empty.url}/#accueil`);
      await other.waitForSelector('[data-testid=state-empty]');
      await other.route('**/api/**', (route) => route.abort());
      await other.goto(`${empty.url}/#ca-pays`);
      await other.reload();
      await other.waitForSelector('[data-testid=state-error]');
      await other.screenshot({ path: path.join(ARTIFACTS, 'dashboard-error.png') });
    } finally {
      await other.close();
      await empty.app.close();
      await fs.rm(emptyConfig.dataDir, { recursive: true, force: true });
    }
  });

  test('freshness badges past their SLA: warn once older than warn_after, error once older than error_after, the age and SLA in the tooltip', async () => {
    // Tiny SLAs: customers is stale after 1 s (late only after 30 days), orders late after 2 s. Once
    // there, neither can change state during the test.
    const tiny = await tinyProject({
      'datasets/customers.yml': `${TINY_FILES['datasets/customers.yml']}freshness: { warn_after: 1s, error_after: 30d }\n`,
      'datasets/orders.yml': `${TINY_FILES['datasets/orders.yml']}freshness: { warn_after: 1s, error_after: 2s }\n`,
    });
    let other: { app: FastifyInstance; url: string } | undefined;
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    tab.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    try {
      await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n');
      await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-01-05,1.00\n2,2,2026-01-06,2.00\n');
      assert.equal((await runPipeline({ config: tiny.config })).error, undefined);
      other = await serve(tiny.config);
      const freshness = async () => (await (await fetch(`${other!.url}/api/freshness`)).json()).datasets as { dataset: string; state: string; warn_after: string; error_after: string }[];
      // The files were ingested at the start of the run: wait (at most 10 s) until orders is past its 2 s.
      const until = Date.now() + 10_000;
      while ((await freshness()).find((d) => d.dataset === 'orders')!.state !== 'error') {
        assert.ok(Date.now() < until, 'orders past error_after within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual((await freshness()).map((d) => [d.dataset, d.state, d.warn_after, d.error_after]), [['customers', 'warn', '1s', '30d'], ['orders', 'error', '1s', '2s']]);

      await tab.goto(`${other.url}/#accueil`);
      await tab.waitForSelector('[data-testid=freshness-orders]');
      assert.equal(await tab.getAttribute('[data-testid=freshness-customers]', 'data-state'), 'warn');
      assert.equal(await tab.getAttribute('[data-testid=freshness-orders]', 'data-state'), 'error');
      assert.match((await tab.getAttribute('[data-testid=freshness-customers]', 'class')) ?? '', /\bbadge-warn\b/);
      assert.match((await tab.getAttribute('[data-testid=freshness-orders]', 'class')) ?? '', /\bbadge-error\b/);
      assert.match((await tab.textContent('[data-testid=freshness-customers]')) ?? '', /^customersen retarddernier fichier il y a \d+ s$/);
      assert.match((await tab.textContent('[data-testid=freshness-orders]')) ?? '', /^orderstrès en retarddernier fichier il y a \d+ s$/);
      assert.match((await tab.getAttribute('[data-testid=freshness-customers]', 'title')) ?? '', /^dernier fichier il y a \d+ s · alerte après 1s, erreur après 30d$/);
      assert.match((await tab.getAttribute('[data-testid=freshness-orders]', 'title')) ?? '', /^dernier fichier il y a \d+ s · alerte après 1s, erreur après 2s$/);
      const orderAge = Number(/il y a (\d+) s/.exec((await tab.textContent('[data-testid=freshness-orders]')) ?? '')![1]);
      assert.ok(orderAge >= 2, `orders shown ${orderAge} s old`);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
      await other?.app.close();
      await tiny.cleanup();
    }
  });

  test('another project: a tab per KPI drawn from its declarations, home cards, a filter and a date range', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flights-dashboard-'));
    const example = fileURLToPath(new URL('../examples/flights/', import.meta.url));
    await fs.cp(example, dir, { recursive: true, filter: (src) => path.relative(example, src).split(path.sep)[0] !== 'data' });
    const flights = loadConfig({ DATALAKE_PROJECT: dir, DUCKDB_THREADS: '2' });
    assert.equal((await runPipeline({ config: flights })).error, undefined);
    const other = await serve(flights);
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    tab.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    const get = async (p: string) => (await fetch(other.url + p)).json();
    try {
      await tab.goto(`${other.url}/#accueil`);
      await tab.waitForSelector('[data-testid=cards-summary]');
      assert.equal(await tab.textContent('[data-testid=project-title]'), 'Vols — ponctualité');
      const summary = (await get('/api/summary'))[0];
      assert.equal(digits(await tab.textContent('[data-testid=cards-summary] [data-testid=card-nb_flights] .card-value')), String(summary.nb_flights));
      const tabs = await tab.locator('nav.tabs a').allTextContents();
      assert.deepEqual(tabs, ['Accueil', 'Compagnies', 'Vols par jour', 'Vols par État', 'Vols par mois', 'En bref', 'Événements météo', 'Qualité', 'Explorateur', 'Runs']);

      await tab.goto(`${other.url}/#flights_by_state`);
      await tab.waitForSelector('[data-testid=table-flights_by_state]');
      await tab.waitForFunction(() => document.querySelectorAll('.chart[data-ready=true] canvas').length >= 1);
      const states = await get('/api/flights_by_state');
      assert.equal(await tab.locator('[data-testid=table-flights_by_state] tbody tr').count(), states.length);
      await tab.selectOption('[data-testid=filter-state]', 'CA');
      await tab.waitForFunction(() => document.querySelectorAll('[data-testid=table-flights_by_state] tbody tr').length === 1);

      await tab.goto(`${other.url}/#daily_flights`);
      await tab.waitForSelector('[data-testid=table-daily_flights]');
      await tab.fill('[data-testid=range-from]', '2026-01-05');
      await tab.fill('[data-testid=range-to]', '2026-01-07');
      await tab.click('[data-testid=range-apply]');
      await tab.waitForFunction(() => document.querySelectorAll('[data-testid=table-daily_flights] tbody tr').length === 3);

      await tab.goto(`${other.url}/#weather`);
      await tab.waitForSelector('[data-testid=table-weather]');
      await tab.waitForFunction(() => document.querySelectorAll('.chart[data-ready=true] canvas').length >= 1);
      await tab.screenshot({ path: path.join(ARTIFACTS, 'dashboard-flights-weather.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
      await other.app.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
