import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../src/config.js';
import { Engine } from '../src/engine/duckdb.js';
import { runFlow } from '../src/flows/run-flow.js';
import { approve, rollback } from '../src/flows/versions.js';
import { readRun } from '../src/flows/record.js';
import { generate } from '../src/generate/generator.js';
import { currentVersion, listVersions, openObjectStore, readStaged } from '../src/lake/index.js';
import { diffVersions, lakeHistory } from '../src/pipeline/history.js';
import { readManifest } from '../src/pipeline/states.js';
import { startApi } from './support/api.js';
import { runCli } from './support/cli.js';
import { FIXED_DAY, tempShopProject } from './support/env.js';

// Every run is a commit: history and diff over daily drops, reads of any version, rollback, the
// serving store following the lake, and an audit that keeps a bad version out until approved.

const COUNTRIES = ['France', 'Germany', 'Spain', 'Italy', 'Belgium', 'Netherland', 'Switzerland', 'UK', 'Canada'];

describe('versions of the lake', () => {
  let dir: string;
  let config: Config;
  let env: Record<string, string>;
  let app: FastifyInstance;
  let url: string;
  const get = (p: string) => fetch(url + p);
  const run = async () => {
    const { summary, error } = await runFlow({ config, flow: 'pipeline' });
    assert.equal(error, undefined, String(error));
    return summary;
  };
  /** Bodies of every KPI as the API serves them now, and the version they say they come from. */
  const responses = async (query = '') => {
    const out: Record<string, string> = {};
    let version: string | null = null;
    for (const kpi of config.project.kpis) {
      const r = await get(`/api/${kpi.id}${query}`);
      assert.equal(r.status, 200, `${kpi.id}${query}`);
      version = r.headers.get('x-data-version');
      out[kpi.id] = await r.text();
    }
    return { version, bodies: out };
  };
  let v1: Awaited<ReturnType<typeof responses>>;
  let firstRun: string;

  before(async () => {
    // The fact table's countries are audited: a country outside the list fails the audit.
    ({ dir, config, env } = await tempShopProject({
      'models/fact_achats.yml': (yml) => `${yml}  - accepted_values: { column: pays, values: [${COUNTRIES.join(', ')}] }\n`,
    }));
    await generate({ outDir: config.sourcesDir, clients: 100, achats: 2000, seed: 4, asOf: FIXED_DAY });
    firstRun = (await run()).runId;
    ({ app, url } = await startApi(config));
  });
  after(async () => {
    await app.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('each KPI response says the version, commit time and audit it comes from', async () => {
    const r = await get('/api/ca_par_pays');
    assert.equal(r.headers.get('x-data-version'), '1');
    assert.ok(!Number.isNaN(Date.parse(r.headers.get('x-data-committed-at')!)));
    assert.equal(r.headers.get('x-data-audit'), 'passed');
    v1 = await responses();
    const ready = await (await get('/ready')).json();
    assert.equal(ready.lake_version, 1);
    assert.equal(ready.degraded, undefined);
  });

  test('a daily drop is version 2; history and diff say what it changed; ?version=1 still reads version 1', async () => {
    // New purchases, and one purchase corrected.
    const extra = ['id_achat,id_client,date_achat,montant,produit', '900001,1,2026-06-10 10:00:00,99.99,Phone', '900002,2,2026-06-11 11:00:00,10.00,Mouse'];
    const achats = (await fs.readFile(path.join(config.sourcesDir, 'achats.csv'), 'utf8')).split('\n');
    const corrected = achats[1]!.split(',');
    corrected[3] = '1234.56';
    extra.push(corrected.join(','));
    await fs.writeFile(path.join(config.sourcesDir, 'achats_2026-06-12.csv'), `${extra.join('\n')}\n`);
    await run();
    const lake = openObjectStore(config);
    const history = await lakeHistory(lake);
    assert.deepEqual(history.map((h) => h.version), [2, 1]);
    const achatsChange = history[0]!.changed.find((c) => c.table === 'silver/achats')!;
    assert.deepEqual([achatsChange.before, achatsChange.rows], [2000, 2002]);
    assert.ok(!history[0]!.changed.some((c) => c.table === 'silver/clients'), 'clients untouched');

    const engine = await Engine.open(config.duckdb, path.join(dir, 'spill'));
    try {
      const diff = await diffVersions(lake, config.project, engine, path.join(dir, 'diff'), 1, 2);
      const silver = diff.tables.find((t) => t.table === 'silver/achats')!;
      assert.deepEqual([silver.added, silver.removed, silver.changed], [2, 0, 1]);
      const resume = diff.kpis.find((k) => k.kpi === 'resume')!;
      assert.equal(resume.before.length, 1);
      assert.equal(Number(resume.after[0]!['nb_achats']), Number(resume.before[0]!['nb_achats']) + 2);
    } finally {
      engine.close();
    }

    const now = await responses();
    assert.equal(now.version, '2');
    assert.notDeepEqual(now.bodies, v1.bodies);
    const old = await responses('?version=1');
    assert.equal(old.version, '1');
    assert.deepEqual(old.bodies, v1.bodies, 'version 1 read from the lake equals what the store served then');
    const missing = await get('/api/resume?version=99');
    assert.equal(missing.status, 404);
    const body = await missing.json();
    assert.equal(body.code, 'unknown_version');
    // The versions kept, said once.
    assert.equal(body.message, 'no version 99 of the lake: the versions kept are 1 to 2 (GET /api/versions lists them)');
  });

  test('rollback makes version 1 current again as version 3: responses byte-identical to when 1 was current', async () => {
    const { version, error } = await rollback(config, 1);
    assert.equal(error, undefined, String(error));
    assert.deepEqual([version!.version, version!.restores], [3, 1]);
    await new Promise((r) => setTimeout(r, 150)); // the API notices a publish within 100 ms
    const now = await responses();
    assert.equal(now.version, '3');
    assert.deepEqual(now.bodies, v1.bodies);
    assert.deepEqual(await listVersions(openObjectStore(config)), [1, 2, 3], 'history is never rewritten');
    // The quality report is of the run whose data version 3 restores, as its KPIs are, not the latest run's.
    const quality = await (await get('/api/quality')).json();
    assert.deepEqual([quality.runId, quality.version], [firstRun, 3]);
    // The next run builds on version 3: the drop of version 2 is not in it, so it comes again.
    const next = await run();
    assert.equal(next.stages.find((s) => s.stage === 'commit')!.details['version'], 4);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await get('/api/resume')).headers.get('x-data-version'), '4');
  });

  test('a rollback or an approval the lake refuses (the current version, one that does not exist, no such run) is said, not recorded as a failed run', async () => {
    const lake = openObjectStore(config);
    const runsBefore = (await lake.list('runs', '')).length;
    for (const [attempt, message] of [
      [() => rollback(config, 4), /version 4 is already the current version/],
      [() => rollback(config, 99), /no version 99/],
      [() => approve(config, 'nope'), /there is no run nope/],
    ] as const) {
      const { record, version, error } = await attempt();
      assert.equal(version, undefined);
      assert.match(String((error as Error).message), message);
      assert.equal(await readRun(lake, record.runId), undefined, 'no run record');
    }
    assert.equal((await lake.list('runs', '')).length, runsBefore);
    assert.equal((await currentVersion(lake))!.version, 4);
  });

  test('a failed audit commits nothing and leaves every response as it was; approving commits it', async () => {
    const before = await responses();
    await fs.writeFile(path.join(config.sourcesDir, 'clients_atlantis.csv'), 'id_client,nom,email,date_inscription,pays\n5001,Ann Atlantis,ann@atlantis.example,2025-01-01,Atlantis\n');
    await fs.writeFile(path.join(config.sourcesDir, 'achats_atlantis.csv'), 'id_achat,id_client,date_achat,montant,produit\n800001,5001,2026-06-01 10:00:00,500.00,Laptop\n');
    const { summary, error } = await runFlow({ config, flow: 'pipeline' });
    assert.equal(summary.state, 'audit_failed');
    assert.match(String((error as Error).message), /audit failed, nothing committed: fact_achats: accepted_values\(pays\): 1 rows have a pays outside/);
    assert.deepEqual(summary.audit?.map((a) => a.check), ['accepted_values(pays)']);
    assert.equal(summary.tasks.find((t) => t.name === 'publish')!.state, 'cancelled');
    const lake = openObjectStore(config);
    assert.equal((await currentVersion(lake))!.version, 4, 'nothing committed');
    assert.ok(await readStaged(lake, summary.runId), 'the version waits, staged');
    // Its tables can be browsed: the staged fact holds the purchase the audit refused.
    const { app: explorer, url: explorerUrl } = await startApi(config);
    try {
      const staged = await (await fetch(`${explorerUrl}/api/lake/gold?run=${summary.runId}`)).json();
      assert.equal(staged.version, null, 'a staged version has no number of its own yet');
      const fact = staged.objects.filter((o: { table: string }) => o.table === 'gold/fact_achats').map((o: { key: string }) => o.key) as string[];
      const month = fact.find((k) => k.startsWith('fact_achats/month=2026-06/'))!;
      const rows = await (await fetch(`${explorerUrl}/api/lake/gold/preview?key=${month}&column=pays&value=Atlantis`)).json();
      assert.equal(rows.total_rows, 1);
    } finally {
      await explorer.close();
    }
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(await responses(), before, 'every response unchanged');
    assert.equal(await lake.head('sources', 'achats_atlantis.csv'), undefined, 'its folder files not in the sources bucket: nothing committed');

    const approved = await approve(config, summary.runId, { by: 'tester' });
    assert.equal(approved.error, undefined, String(approved.error));
    assert.deepEqual([approved.version!.version, approved.version!.audit, approved.version!.approved!.by], [5, 'approved', 'tester']);
    assert.equal((await readRun(lake, summary.runId))!.approved!.version, 5);
    // Committed now: its folder files are kept in the sources bucket, their time there in its manifest.
    const kept = await lake.head('sources', 'achats_atlantis.csv');
    assert.ok(kept);
    const manifest = await readManifest(lake, config.project, await currentVersion(lake));
    assert.equal(manifest.files.find((f) => f.name === 'achats_atlantis.csv')!.sourceModified, kept.modified.toISOString());
    await new Promise((r) => setTimeout(r, 150));
    const r = await get('/api/ca_par_pays');
    assert.equal(r.headers.get('x-data-audit'), 'approved');
    // show says it too, as the header does.
    const shown = await runCli(['show', 'ca_par_pays', '--json'], env);
    assert.deepEqual([JSON.parse(shown.stdout).version, JSON.parse(shown.stdout).audit], [5, 'approved']);
    assert.match((await runCli(['show', 'ca_par_pays'], env)).stdout, /^version 5 of the lake, committed \S+, audit approved \(it failed; committed anyway with `datalake publish --approve`\)$/m);
    assert.ok(((await r.json()) as { pays: string }[]).some((row) => row.pays === 'Atlantis'));
    // Approving again: the lake is no longer at the version it was built on.
    const again = await approve(config, summary.runId);
    assert.match(String((again.error as Error).message), /was built on version 4, but the lake is at version 5/);
  });

  test('a store behind the lake is reported by /ready, and publish brings it to the lake version', async () => {
    await fs.writeFile(path.join(config.sourcesDir, 'achats_late.csv'), 'id_achat,id_client,date_achat,montant,produit\n800002,3,2026-06-02 10:00:00,5.00,Mouse\n');
    assert.equal((await runFlow({ config, flow: 'bronze_ingestion_flow' })).error, undefined);
    const ready = await (await get('/ready')).json();
    assert.equal(ready.lake_version, 6);
    assert.match(ready.degraded[0], /the serving store shows version 5 while the lake is at version 6/);
    assert.equal((await runFlow({ config, flow: 'publish_flow' })).error, undefined);
    assert.equal((await (await get('/ready')).json()).degraded, undefined);
  });

  test('a run taken over after it committed (its worker died before publishing) only publishes: its version is not rewritten', async () => {
    const lake = openObjectStore(config);
    const before = (await currentVersion(lake))!;
    const again = await runFlow({ config, flow: 'pipeline', runId: before.runId });
    assert.equal(again.error, undefined, String(again.error));
    assert.deepEqual(again.summary.tasks.filter((t) => !t.parent).map((t) => `${t.name}:${t.state}`), ['bronze:skipped', 'silver:skipped', 'gold:skipped', 'commit:completed', 'publish:skipped']);
    assert.match(again.summary.logs.map((l) => l.message).join('\n'), /this run committed version \d+ before its process stopped: only publishing it/);
    assert.deepEqual(await currentVersion(lake), before, 'the version record is unchanged');
  });
});
