import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import { Engine } from '../src/engine/duckdb.js';
import { generate } from '../src/generate/generator.js';
import { openObjectStore, type ObjectStore } from '../src/lake/index.js';
import { readStates } from '../src/pipeline/states.js';
import { renderSummary } from '../src/cli/summary.js';
import { runDoctor } from '../src/cli/doctor.js';
import { runPipeline } from './support/run.js';
import { openServingStore } from '../src/serving/index.js';
import { computeOracle, distribution, type Oracle } from './support/oracle.js';
import { startS3Server, S3RVER_KEYS, type TestS3Server } from './support/s3.js';
import { FIXED_DAY, tempConfig, tempShopProject } from './support/env.js';

const close = (a: number, b: number, tol = 0.011) => Math.abs(a - b) <= tol;

async function publishedKpis(config: Config) {
  const serving = openServingStore(config);
  try {
    const read = async (t: string) => (await serving.read(t)) ?? assert.fail(`${t} not published`);
    return {
      caParPays: await read('kpi_ca_par_pays'),
      jour: await read('kpi_volumes_jour'),
      semaine: await read('kpi_volumes_semaine'),
      mois: await read('kpi_volumes_mois'),
      croissance: await read('kpi_croissance'),
      distribution: await read('kpi_distribution'),
      histogramme: await read('kpi_histogramme_montants'),
    };
  } finally {
    await serving.close();
  }
}

/** Every published KPI against the oracle computed from the source CSVs. */
async function assertKpisMatchOracle(config: Config, oracle: Oracle) {
  const k = await publishedKpis(config);

  assert.equal(k.caParPays.length, oracle.caParPays.size);
  for (const row of k.caParPays) {
    const o = oracle.caParPays.get(row['pays'] as string)!;
    assert.ok(o, `unexpected pays ${row['pays']}`);
    assert.equal(row['nb_achats'], o.nb);
    assert.ok(close(row['ca_total'] as number, o.cents / 100, 1e-6), `ca_total ${row['pays']}`);
    assert.ok(close(row['panier_moyen'] as number, o.cents / 100 / o.nb), `panier_moyen ${row['pays']}`);
  }
  const ca = k.caParPays.map((r) => r['ca_total'] as number);
  assert.deepEqual(ca, [...ca].sort((a, b) => b - a), 'ca_par_pays is sorted by revenue, largest first');

  for (const [rows, key, map] of [
    [k.jour, 'jour', oracle.jours],
    [k.semaine, 'debut_semaine', oracle.semaines],
    [k.mois, 'mois', oracle.mois],
  ] as const) {
    assert.equal(rows.length, map.size, `${key}: one row per period`);
    for (const row of rows) {
      const o = map.get(row[key] as string);
      assert.ok(o, `${key} ${row[key]} not in the oracle`);
      assert.equal(row['nb_achats'], o.nb);
      assert.ok(close(row['ca_total'] as number, o.cents / 100, 1e-6));
    }
  }
  for (const row of k.semaine) assert.match(row['semaine'] as string, /^\d{4}-W\d{2}$/);

  const months = [...oracle.mois.keys()].sort();
  assert.deepEqual(k.croissance.map((r) => r['mois']), months);
  k.croissance.forEach((row, i) => {
    const cur = oracle.mois.get(months[i]!)!.cents;
    if (i === 0) {
      assert.equal(row['ca_mois_precedent'], null);
      assert.equal(row['croissance_pct'], null);
      return;
    }
    const prev = oracle.mois.get(months[i - 1]!)!.cents;
    assert.ok(close(row['ca_mois_precedent'] as number, prev / 100, 1e-6));
    assert.ok(close(row['croissance_pct'] as number, (100 * (cur - prev)) / prev), `croissance ${months[i]}`);
  });

  const bands = new Map<number, number>();
  for (const c of oracle.montants) bands.set(Math.floor(c / 2500) * 25, (bands.get(Math.floor(c / 2500) * 25) ?? 0) + 1);
  assert.deepEqual(
    k.histogramme.map((r) => [r['tranche_min'], r['nb_achats']]),
    [...bands].sort((a, b) => a[0] - b[0]),
  );

  const d = distribution(oracle.montants);
  assert.equal(k.distribution.length, 1);
  const row = k.distribution[0]!;
  assert.equal(row['nb_achats'], d.nb_achats);
  for (const f of ['montant_moyen', 'montant_median', 'montant_min', 'montant_max', 'ecart_type'] as const) {
    assert.ok(close(row[f] as number, d[f]), `${f}: ${row[f]} vs ${d[f]}`);
  }
}

/** Every object of bronze, silver and gold with its content hash and modification time. */
async function lakeSnapshot(config: Config): Promise<Record<string, string>> {
  const lake = openObjectStore(config);
  const out: Record<string, string> = {};
  const { createHash } = await import('node:crypto');
  for (const bucket of ['bronze', 'silver', 'gold'] as const) {
    for (const o of await lake.list(bucket)) {
      out[`${bucket}/${o.key}`] = `${createHash('sha256').update((await lake.getBytes(bucket, o.key))!).digest('hex')} ${o.modified.toISOString()}`;
    }
  }
  return out;
}

async function generateSources(config: Config, options: { clients: number; achats: number; seed?: number; dirtyRate?: number; defectsLog?: string }) {
  await generate({ outDir: config.sourcesDir, asOf: FIXED_DAY, seed: options.seed ?? 7, ...options });
}

describe('whole pipeline on the folder driver', () => {
  let config: Config;
  let oracle: Oracle;
  before(async () => {
    ({ config } = await tempConfig());
    await generateSources(config, { clients: 400, achats: 30_000 });
    oracle = await computeOracle(path.join(config.sourcesDir, 'clients.csv'), path.join(config.sourcesDir, 'achats.csv'));
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('run publishes KPIs equal to values computed from the source CSVs', async () => {
    const { summary, error } = await runPipeline({ config });
    assert.equal(error, undefined);
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.stages.map((s) => s.stage), ['bronze', 'silver', 'gold', 'commit', 'publish']);
    assert.equal(summary.stages[3]!.details['version'], 1, 'the first run commits version 1');
    const silver = summary.stages[1]!;
    assert.equal(silver.rowsIn, 30_400);
    assert.equal(silver.rowsOut, 30_400);
    assert.equal(silver.quarantined, 0);
    await assertKpisMatchOracle(config, oracle);
  });

  test('the lake holds the seed layout: bronze by ingestion day, silver achats by month, each object under its run, one version', async () => {
    const lake = openObjectStore(config);
    const keys = async (b: Parameters<ObjectStore['list']>[0]) => (await lake.list(b)).map((o) => o.key);
    assert.deepEqual(await keys('sources'), ['achats.csv', 'clients.csv']);
    const { manifest, version } = await readStates(lake, config.project);
    const run = version!.runId;
    const day = manifest.files[0]!.ingestDate;
    assert.match(day, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(await keys('bronze'), [`_state/${run}.json`, `achats/ingest_date=${day}/achats.csv`, `clients/ingest_date=${day}/clients.csv`]);
    const months = [...oracle.mois.keys()].sort();
    assert.deepEqual(await keys('silver'), [`_state/${run}.json`, ...months.map((m) => `achats/month=${m}/${run}-data_0.parquet`), `clients/${run}-data_0.parquet`]);
    assert.deepEqual(await keys('gold'), [
      `_state/${run}.json`,
      `dim_clients/${run}.parquet`, `dim_temps/${run}.parquet`, ...months.map((m) => `fact_achats/month=${m}/${run}.parquet`),
      ...['ca_par_pays', 'croissance', 'distribution', 'histogramme_montants', 'resume', 'volumes_annee', 'volumes_jour', 'volumes_mois', 'volumes_semaine'].map((k) => `kpi_${k}/${run}.parquet`),
      ...['ventes_jour', 'ventes_montant', 'ventes_pays'].flatMap((t) => months.map((m) => `${t}/month=${m}/${run}.parquet`)),
    ]);
    assert.deepEqual(Object.keys(version!.tables).filter((t) => t.startsWith('silver/')).sort(), ['silver/achats', 'silver/clients']);
    assert.equal(version!.tables['silver/achats']!.rows, 30_000);
    const source = await fs.readFile(path.join(config.sourcesDir, 'achats.csv'));
    const entry = manifest.files.find((f) => f.name === 'achats.csv')!;
    assert.ok(source.equals((await lake.getBytes('bronze', entry.key))!));
    const { createHash } = await import('node:crypto');
    assert.deepEqual(
      { dataset: entry.dataset, version: entry.version, sha256: entry.sha256, size: entry.size, rows: entry.rows },
      { dataset: 'achats', version: 1, sha256: createHash('sha256').update(source).digest('hex'), size: source.length, rows: 30_000 },
    );
    assert.deepEqual(await keys('runs'), ['_log/0000000001.json', `${run}.json`]);
  });

  test('silver is typed and gold tables have the seed columns', async () => {
    const engine = await Engine.open(config.duckdb, path.join(config.dataDir, 'spill'));
    try {
      const lake = config.lakeDir;
      const schema = async (f: string) => (await engine.columns(`SELECT * FROM read_parquet('${path.join(lake, f)}', hive_partitioning = false)`)).map((c) => `${c.name}:${c.type}`);
      assert.deepEqual(await schema('silver/achats/*/*.parquet'), ['id_achat:BIGINT', 'id_client:BIGINT', 'date_achat:TIMESTAMP', 'montant:DECIMAL(18,2)', 'produit:VARCHAR']);
      assert.deepEqual(await schema('silver/clients/*.parquet'), ['id_client:BIGINT', 'nom:VARCHAR', 'email:VARCHAR', 'date_inscription:DATE', 'pays:VARCHAR']);
      assert.deepEqual(await schema('gold/dim_clients/*.parquet'), ['id_client:BIGINT', 'nom:VARCHAR', 'email:VARCHAR', 'date_inscription:DATE', 'pays:VARCHAR', 'annee_inscription:INTEGER']);
      assert.deepEqual(await schema('gold/dim_temps/*.parquet'), ['date:DATE', 'annee:INTEGER', 'mois:INTEGER', 'jour:INTEGER', 'semaine:INTEGER', 'jour_semaine:INTEGER']);
      assert.deepEqual(await schema('gold/fact_achats/*/*.parquet'), ['id_achat:BIGINT', 'id_client:BIGINT', 'date_achat:TIMESTAMP', 'montant:DECIMAL(18,2)', 'produit:VARCHAR', 'pays:VARCHAR']);
      const [t] = await engine.rows(`SELECT count(*) AS n, count(DISTINCT date) AS d FROM read_parquet('${path.join(lake, 'gold/dim_temps/*.parquet')}')`);
      assert.equal(t!['n'], t!['d']);
      const [codec] = await engine.rows(`SELECT DISTINCT compression FROM parquet_metadata('${path.join(lake, 'silver/achats/*/*.parquet')}')`);
      assert.equal(codec!['compression'], 'ZSTD');
      // Each month folder holds exactly the purchases of that month.
      const [misplaced] = await engine.rows(
        `SELECT count(*) AS n FROM read_parquet('${path.join(lake, 'silver/achats/*/*.parquet')}', filename = true) WHERE filename NOT LIKE '%month=' || strftime(date_achat, '%Y-%m') || '/%'`,
      );
      assert.equal(misplaced!['n'], 0);
    } finally {
      engine.close();
    }
  });

  test('a second run with no new input changes no object and republishes nothing', async () => {
    const before = await publishedKpis(config);
    const objects = await lakeSnapshot(config);
    const serving = openServingStore(config);
    const published = await serving.lastPublish();
    await serving.close();
    const { summary } = await runPipeline({ config });
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.stages[0]!.details['files'], { 'achats.csv': 'unchanged', 'clients.csv': 'unchanged' });
    assert.equal(summary.stages[0]!.bytes, 0);
    assert.deepEqual(summary.stages.slice(1).map((s) => [s.stage, typeof s.details['skipped']]), [['silver', 'string'], ['gold', 'string'], ['commit', 'string'], ['publish', 'string']]);
    assert.deepEqual(await lakeSnapshot(config), objects);
    const again = openServingStore(config);
    assert.deepEqual(await again.lastPublish(), published);
    await again.close();
    assert.deepEqual(await publishedKpis(config), before);
  });
});

describe('whole pipeline on the S3 driver (s3rver on 127.0.0.1)', () => {
  let s3: TestS3Server;
  let config: Config;
  let dir: string;
  before(async () => {
    s3 = await startS3Server();
    ({ config, dir } = await tempConfig({ MINIO_ENDPOINT: s3.endpoint, ...S3RVER_KEYS }));
    await generateSources(config, { clients: 300, achats: 12_000, seed: 11 });
  });
  after(async () => {
    await s3.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('run creates the buckets, writes every layer to S3 and publishes correct KPIs', async () => {
    const { summary, error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    assert.match(summary.lake, /^s3 http:\/\/127\.0\.0\.1:/);
    const lake = openObjectStore(config);
    const bronze = (await lake.list('bronze')).map((o) => o.key);
    assert.equal(bronze.length, 3);
    assert.match(bronze[1]!, /^achats\/ingest_date=\d{4}-\d{2}-\d{2}\/achats\.csv$/);
    assert.ok((await lake.list('silver')).some((o) => /^achats\/month=\d{4}-\d{2}\/[\w.-]+-data_0\.parquet$/.test(o.key)));
    const gold = (await lake.list('gold')).map((o) => o.key);
    assert.equal(gold.filter((k) => !/^(fact_achats|ventes_\w+)\//.test(k)).length, 12, 'the state, two dimensions and nine KPIs');
    assert.ok(gold.some((k) => /^fact_achats\/month=\d{4}-\d{2}\/[\w.-]+\.parquet$/.test(k)));
    assert.equal((await lake.list('runs')).length, 2, 'the run record and version 1');
    await fs.access(path.join(config.lakeDir, 'gold')).then(
      () => assert.fail('nothing may be written to the local lake folder in S3 mode'),
      () => undefined,
    );
    const oracle = await computeOracle(path.join(config.sourcesDir, 'clients.csv'), path.join(config.sourcesDir, 'achats.csv'));
    await assertKpisMatchOracle(config, oracle);
  });
  test('a file dropped straight into the sources bucket is ingested, then left alone', async () => {
    const lake = openObjectStore(config);
    const rows = Array.from({ length: 5 }, (_, i) => `${900_001 + i},${1 + i},2026-05-0${1 + i} 10:00:00,10.00,Phone`);
    await lake.putBytes('sources', 'achats_2026-06-10.csv', `id_achat,id_client,date_achat,montant,produit\n${rows.join('\n')}\n`);
    const first = await runPipeline({ config });
    assert.equal(first.error, undefined, String(first.error));
    assert.deepEqual(first.summary.stages[0]!.details['files'], { 'achats.csv': 'unchanged', 'achats_2026-06-10.csv': 'ingested', 'clients.csv': 'unchanged' });
    assert.equal(first.summary.stages[1]!.rowsOut, 5);
    const serving = openServingStore(config);
    const [dist] = (await serving.read('kpi_distribution'))!;
    await serving.close();
    assert.equal(dist!['nb_achats'], 12_005);
    const second = await runPipeline({ config });
    assert.equal((second.summary.stages[0]!.details['files'] as Record<string, string>)['achats_2026-06-10.csv'], 'unchanged');
    assert.equal(typeof second.summary.stages[1]!.details['skipped'], 'string');
  });
});

describe('dirty sources', () => {
  let config: Config;
  const defects: { dataset: string; key: string; defect: string; outcome: string; reason?: string }[] = [];
  before(async () => {
    ({ config } = await tempConfig());
    const log = path.join(config.dataDir, 'defects.jsonl');
    await generateSources(config, { clients: 500, achats: 20_000, dirtyRate: 0.06, defectsLog: log });
    for (const line of (await fs.readFile(log, 'utf8')).split('\n')) if (line) defects.push(JSON.parse(line));
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('every injected defect is repaired, dropped as a counted duplicate, or quarantined with its reason; no valid row is lost', async () => {
    const { summary, error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    assert.ok(defects.length > 1000, `expected many defects, got ${defects.length}`);
    const engine = await Engine.open(config.duckdb, path.join(config.dataDir, 'spill'));
    try {
      for (const [dataset, key, total] of [['clients', 'id_client', 500], ['achats', 'id_achat', 20_000]] as const) {
        const mine = defects.filter((d) => d.dataset === dataset);
        const silver = await engine.rows(`SELECT CAST(${key} AS VARCHAR) AS k FROM read_parquet('${path.join(config.lakeDir, 'silver', dataset, '**', '*.parquet')}')`);
        const silverKeys = new Set(silver.map((r) => r['k'] as string));
        assert.equal(silverKeys.size, silver.length, `${dataset}: silver keys are unique`);
        const quarantine = await engine.rows(`SELECT ${key} AS k, _reason AS reason FROM read_parquet('${path.join(config.lakeDir, 'silver', 'quarantine', dataset, '**', '*.parquet')}')`);

        // Rows whose defect makes them unusable are in quarantine with the expected reason, and not in silver
        // (a conflicting duplicate leaves the first row of its key in silver).
        const expectedQuarantine = mine.filter((d) => d.outcome === 'quarantined');
        const quarantined = quarantine.map((r) => `${r['k']}|${r['reason']}`).sort();
        assert.deepEqual(quarantined, expectedQuarantine.map((d) => `${d.key}|${d.reason}`).sort(), `${dataset}: quarantine`);

        // Every generated row that is valid or repairable is in silver: 1..total minus the rows quarantined
        // for their own defect.
        const lost = new Set(expectedQuarantine.filter((d) => !d.reason!.startsWith('duplicate_key')).map((d) => d.key));
        const expectedKeys = [];
        for (let i = 1; i <= total; i++) if (!lost.has(String(i))) expectedKeys.push(String(i));
        assert.deepEqual([...silverKeys].sort(), expectedKeys.sort(), `${dataset}: silver holds every valid row`);

        const stats = (summary.stages[1]!.details['datasets'] as Record<string, { exactDuplicates: number; quarantined: number }>)[dataset]!;
        assert.equal(stats.exactDuplicates, mine.filter((d) => d.defect === 'exact_duplicate').length, `${dataset}: exact duplicates counted`);
        assert.equal(stats.quarantined, expectedQuarantine.length);
      }
      // Repairs: case variants and surrounding spaces are normalised, day-first dates parsed.
      const [pays] = await engine.rows(`SELECT count(*) FILTER (WHERE pays NOT IN ('France','Germany','Spain','Italy','Belgium','Netherland','Switzerland','UK','Canada')) AS odd FROM read_parquet('${path.join(config.lakeDir, 'silver', 'clients', '*.parquet')}')`);
      assert.equal(pays!['odd'], 0);
      const [produit] = await engine.rows(`SELECT count(DISTINCT produit) AS n FROM read_parquet('${path.join(config.lakeDir, 'silver', 'achats', '*', '*.parquet')}')`);
      assert.equal(produit!['n'], 10);
    } finally {
      engine.close();
    }
  });
});

describe('failures leave the lake and the serving store as they were', () => {
  let config: Config;
  const snapshot = async () => ({ objects: await lakeSnapshot(config), kpis: await publishedKpis(config) });
  before(async () => {
    ({ config } = await tempConfig());
    await generateSources(config, { clients: 100, achats: 3_000 });
    const { error } = await runPipeline({ config });
    assert.equal(error, undefined);
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('a source without a required column waits in quarantine, whole, while the run goes on; its next version is merged', async () => {
    const before = await snapshot();
    const good = await fs.readFile(path.join(config.sourcesDir, 'achats.csv'));
    await fs.writeFile(path.join(config.sourcesDir, 'achats.csv'), 'id_achat,id_client,date_achat,amount,produit\n1,1,2026-01-01 10:00:00,12.00,Phone\n');
    await fs.writeFile(path.join(config.sourcesDir, 'clients_extra.csv'), 'id_client,nom,email,date_inscription,pays\n900001,Ann Lee,ann@x.org,2025-01-01,France\n');
    const { summary, error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    const datasets = summary.stages[1]!.details['datasets'] as Record<string, { waitingFiles: { file: string; reason: string }[]; rowsOut: number }>;
    const achats = datasets['achats']!;
    assert.equal(achats.waitingFiles.length, 1);
    assert.match(achats.waitingFiles[0]!.reason, /^achats\.csv: missing column montant \(the header has: id_achat,id_client,date_achat,amount,produit\)$/);
    assert.equal(datasets['clients']!.rowsOut, 1, 'the other file is merged');
    // Its first version's rows stay while the new one waits: achats is not rebuilt without it.
    assert.equal(summary.stages[1]!.details['revised'], undefined);
    assert.deepEqual(await publishedKpis(config), before.kpis);
    const state = (await readStates(openObjectStore(config), config.project)).silver!;
    assert.deepEqual(Object.keys(state.waiting ?? {}), [achats.waitingFiles[0]!.file]);

    // Nothing new: the waiting file is not tried again, and nothing changes.
    const middle = await snapshot();
    const again = await runPipeline({ config });
    assert.equal(again.summary.stages[1]!.details['skipped'] !== undefined, true);
    assert.deepEqual(await snapshot(), middle);
    // ... but said by every run, and by doctor, until it is fixed: its rows are in no table.
    assert.deepEqual(again.summary.stages[1]!.details['stillWaiting'], [{ file: achats.waitingFiles[0]!.file, dataset: 'achats', reason: achats.waitingFiles[0]!.reason }]);
    assert.match(renderSummary(again.summary), /^achats: still waits in quarantine since an earlier run, not merged: achats\.csv: missing column montant/m);
    const quarantine = (await runDoctor(config)).checks.find((c) => c.area === 'quarantine')!;
    assert.deepEqual([quarantine.warning, quarantine.detail], [true, `1 file waiting whole, not merged: ${achats.waitingFiles[0]!.reason}`]);

    // The good content again, as a new version of the name: merged, and the waiting version superseded.
    await fs.writeFile(path.join(config.sourcesDir, 'achats.csv'), good);
    await fs.rm(path.join(config.sourcesDir, 'clients_extra.csv'));
    const fixed = await runPipeline({ config });
    assert.equal(fixed.error, undefined, String(fixed.error));
    // A new version of a file achats merged: achats is rebuilt from its latest files, the first and the waiting version both superseded.
    assert.deepEqual(fixed.summary.stages[1]!.details['superseded'], [achats.waitingFiles[0]!.file.replace('.v2.csv', '.csv'), achats.waitingFiles[0]!.file]);
    assert.match(String((fixed.summary.stages[1]!.details['revised'] as string[])[0]), /^achats was rebuilt from its latest files/);
    const final = (await readStates(openObjectStore(config), config.project)).silver!;
    assert.equal(final.waiting, undefined);
    assert.deepEqual(await publishedKpis(config), before.kpis, 'the KPIs of the same sources, as before');
  });

  test('under on_missing_columns: fail, such a file fails the run before anything is uploaded', async () => {
    const strict = await tempShopProject({ 'datasets/achats.yml': (yml) => `${yml}on_missing_columns: fail\n` });
    try {
      await generateSources(strict.config, { clients: 20, achats: 100 });
      assert.equal((await runPipeline({ config: strict.config })).error, undefined);
      const snap = async () => ({ objects: await lakeSnapshot(strict.config), kpis: await publishedKpis(strict.config) });
      const before = await snap();
      await fs.writeFile(path.join(strict.config.sourcesDir, 'achats.csv'), 'id_achat,id_client,date_achat,amount,produit\n1,1,2026-01-01 10:00:00,12.00,Phone\n');
      const { summary, error } = await runPipeline({ config: strict.config });
      assert.equal(summary.state, 'failed');
      assert.match(String((error as Error).message), /^achats\.csv: missing column montant/);
      assert.equal(summary.error?.stage, 'bronze');
      assert.deepEqual(await snap(), before);
    } finally {
      await fs.rm(strict.dir, { recursive: true, force: true });
    }
  });

  test('a file whose rows are all bad is quarantined row by row; silver keeps its earlier rows and gold is rebuilt from them', async () => {
    const before = await snapshot();
    await fs.writeFile(path.join(config.sourcesDir, 'achats_bad.csv'), 'id_achat,id_client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,-3,Phone\n2,1,never,4,Phone\n');
    const { summary, error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    assert.equal(summary.stages[1]!.quarantined, 2);
    const after = await snapshot();
    assert.deepEqual(after.kpis, before.kpis);
    assert.ok(Object.keys(after.objects).some((k) => /^silver\/quarantine\/achats\/ingest_date=[\d-]+\/achats_bad\/[\w.-]+\.parquet$/.test(k)));
    await fs.rm(path.join(config.sourcesDir, 'achats_bad.csv'));
  });
});

describe('a fatal quality rule', () => {
  let config: Config;
  before(async () => {
    ({ config } = await tempConfig());
    await generateSources(config, { clients: 50, achats: 500 });
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('fails the run before silver changes; resending the file with good content lets the next run complete', async () => {
    const good = await fs.readFile(path.join(config.sourcesDir, 'achats.csv'));
    await fs.writeFile(path.join(config.sourcesDir, 'achats.csv'), 'id_achat,id_client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,-3,Phone\n2,1,never,4,Phone\n');
    const { summary, error } = await runPipeline({ config });
    assert.equal(summary.state, 'failed');
    assert.equal(summary.error?.stage, 'silver');
    assert.match((error as Error).message, /quality check failed: achats: rule "not_empty"/);
    // The failed run's counts are in its message: its quarantine is not committed.
    assert.match((error as Error).message, /; 2 rows quarantined \((?=.*not_positive:montant 1)(?=.*invalid_date:date_achat 1).*\): fix the definition or resend the source file/);
    const lake = openObjectStore(config);
    // Nothing of silver's: only the files its shards cleaned, staged for a resume of the run.
    assert.deepEqual((await lake.list('silver')).filter((o) => !o.key.startsWith(`_staging/${summary.runId}/`)), [], 'nothing written to silver');
    assert.deepEqual(await lake.list('gold'), []);
    // One run, one commit: the bronze files this run received are not part of any version either.
    const states = await readStates(lake, config.project);
    assert.equal(states.version, undefined, 'nothing committed');
    assert.deepEqual(states.manifest.files, []);

    await fs.writeFile(path.join(config.sourcesDir, 'achats.csv'), good);
    const retry = await runPipeline({ config });
    assert.equal(retry.error, undefined, String(retry.error));
    assert.equal(retry.summary.stages[0]!.details['files']!['achats.csv' as never], 'ingested');
    assert.deepEqual(retry.summary.stages[1]!.details['superseded'], []);
    assert.equal((await readStates(lake, config.project)).version!.version, 1);
    assert.equal(retry.summary.stages[1]!.rowsOut, 550);
  });
});
