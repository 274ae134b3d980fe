import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../src/config.js';
import { Engine } from '../src/engine/duckdb.js';
import { runPipeline } from './support/run.js';
import { startApi } from './support/api.js';
import { openServingStore } from '../src/serving/index.js';

// The second example project (examples/flights), shaped unlike the shop: a composite key, US dates,
// NA for missing values, headers spelled differently from file to file, a column named `date`, a
// reference that only warns, and a dataset without a key. Its KPIs are checked against values
// computed here from the CSV files with plain JavaScript.

const EXAMPLE = fileURLToPath(new URL('../examples/flights/', import.meta.url));

/** A small quote-aware CSV reader for the oracle (the example's airport names have quoted commas). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted && ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        fields.push(cur);
        cur = '';
      } else cur += ch;
    }
    fields.push(cur);
    rows.push(fields);
  }
  return rows;
}

/** Rows as objects keyed by a normalised header (`Flight Number`, `FLIGHT_NUMBER` → `flightnumber`). */
async function readCsv(file: string): Promise<Record<string, string>[]> {
  const [head, ...rows] = parseCsv(await fs.readFile(file, 'utf8'));
  const keys = head!.map((h) => h.toLowerCase().replace(/[^a-z0-9]/g, ''));
  return rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i]!])));
}

interface Flight {
  date: string;
  carrier: string;
  flight: number;
  origin: string;
  dep: number | null;
  arr: number | null;
  cancelled: boolean;
}

/** The flights the pipeline must keep: typed, bad rows out, one per key, a later file's row winning. */
async function expectedFlights(dir: string): Promise<Map<string, Flight>> {
  const byKey = new Map<string, Flight>();
  for (const name of ['flights_2026-01.csv', 'flights_2026-02.csv']) {
    const seen = new Set<string>();
    for (const r of await readCsv(path.join(dir, 'sources', name))) {
      if (!/^\d+$/.test(r['flightnumber']!)) continue; // quarantined
      const [m, d, y] = r['date']!.split('/');
      const f: Flight = {
        date: `${y}-${m}-${d}`,
        carrier: r['carrier']!,
        flight: Number(r['flightnumber']),
        origin: r['origin']!,
        dep: r['depdelay'] === 'NA' ? null : Number(r['depdelay']),
        arr: r['arrdelay'] === 'NA' ? null : Number(r['arrdelay']),
        cancelled: r['cancelled'] === 'true',
      };
      const key = `${f.carrier}|${f.flight}|${f.date}`;
      if (seen.has(key)) continue; // the same row again in one file: an exact duplicate
      seen.add(key);
      byKey.set(key, f);
    }
  }
  return byKey;
}

const avg = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null);

describe('the flights example project, end to end', () => {
  let dir: string;
  let config: Config;
  let flights: Map<string, Flight>;
  let states: Map<string, string>;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flights-'));
    await fs.cp(EXAMPLE, dir, { recursive: true, filter: (src) => path.relative(EXAMPLE, src).split(path.sep)[0] !== 'data' });
    config = loadConfig({ DATALAKE_PROJECT: dir, DUCKDB_THREADS: '2' });
    flights = await expectedFlights(dir);
    states = new Map((await readCsv(path.join(dir, 'sources', 'airports.csv'))).map((a) => [a['iata']!, a['state']!]));
    const { error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    ({ app, url: base } = await startApi(config));
  });
  after(async () => {
    await app?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const published = async (table: string) => {
    const serving = openServingStore(config);
    try {
      return (await serving.read(table)) ?? assert.fail(`${table} is not published`);
    } finally {
      await serving.close();
    }
  };

  test('the project keeps its data beside its definitions', async () => {
    assert.equal(config.dataDir, path.join(dir, 'data'));
    assert.deepEqual(config.sourcesDirs, [path.join(dir, 'sources'), path.join(dir, 'data', 'sources')]);
    assert.ok((await fs.readdir(path.join(dir, 'data', 'lake', 'gold', 'kpi_summary'))).some((f) => f.endsWith('.parquet')));
  });

  test('silver: composite key (a later file corrects a flight), US dates, NA as missing, a bad row quarantined, an exact duplicate dropped', async () => {
    const engine = await Engine.open(config.duckdb, path.join(dir, 'spill'));
    try {
      const silver = `read_parquet('${path.join(config.lakeDir, 'silver', 'flights')}/*/*.parquet', hive_partitioning = false)`;
      const [count] = await engine.rows(`SELECT count(*) AS n, count(DISTINCT (carrier, flight_number, "date")) AS keys FROM ${silver}`);
      assert.deepEqual(count, { n: flights.size, keys: flights.size });
      // The February file repeats a January flight with new delays: its row replaces the January one.
      const corrected = [...flights.values()].find((f) => f.dep === 99)!;
      const [row] = await engine.rows(`SELECT dep_delay, "date" FROM ${silver} WHERE carrier = '${corrected.carrier}' AND flight_number = ${corrected.flight} AND "date" = DATE '${corrected.date}'`);
      assert.deepEqual(row, { dep_delay: 99, date: corrected.date });
      const [nulls] = await engine.rows(`SELECT count(*) FILTER (WHERE dep_delay IS NULL) AS na, count(*) FILTER (WHERE cancelled) AS cancelled FROM ${silver}`);
      assert.deepEqual(nulls, { na: [...flights.values()].filter((f) => f.dep === null).length, cancelled: [...flights.values()].filter((f) => f.cancelled).length });
      const schema = (await engine.columns(`SELECT * FROM ${silver}`)).map((c) => `${c.name}:${c.type}`);
      assert.deepEqual(schema, ['date:DATE', 'carrier:VARCHAR', 'flight_number:BIGINT', 'origin:VARCHAR', 'dest:VARCHAR', 'dep_delay:DOUBLE', 'arr_delay:DOUBLE', 'distance:DOUBLE', 'cancelled:BOOLEAN']);
      const quarantine = await engine.rows(`SELECT _reason, flight_number FROM read_parquet('${path.join(config.lakeDir, 'silver', 'quarantine', 'flights')}/*/*/*.parquet')`);
      assert.deepEqual(quarantine, [{ _reason: 'invalid_integer:flight_number', flight_number: '12a' }]);
    } finally {
      engine.close();
    }
  });

  test('the run summary names the ignored column, the warned reference and the dropped duplicates', async () => {
    const runs = await (await fetch(`${base}/api/runs`)).json();
    const run = runs[0];
    const bronze = run.stages.find((s: { stage: string }) => s.stage === 'bronze');
    assert.deepEqual(bronze.details.ignoredColumns, { 'flights_2026-02.csv': ['Tail Number'] });
    const silver = run.stages.find((s: { stage: string }) => s.stage === 'silver');
    const origin = silver.details.quality.find((q: { rule: string; column: string }) => q.rule === 'references' && q.column === 'origin');
    assert.deepEqual([origin.severity, origin.failed], ['warn', 1]);
    assert.equal(silver.details.datasets.flights.exactDuplicates, 1);
    assert.equal(silver.details.datasets.weather_events.exactDuplicates, 1);
    // No warning: among others, every file was cleaned by DuckDB's parallel order-keeping writer.
    assert.equal(silver.details.warnings, undefined);
  });

  test('KPIs equal the values computed from the CSV files', async () => {
    const all = [...flights.values()];
    // flights_by_state: the origin's state, unknown airports last
    const byState = new Map<string, Flight[]>();
    for (const f of all) byState.set(states.get(f.origin) ?? 'unknown', [...(byState.get(states.get(f.origin) ?? 'unknown') ?? []), f]);
    const expectedStates = [...byState]
      .map(([state, fs]) => ({ state, nb_flights: fs.length, avg_dep_delay: avg(fs.flatMap((f) => (f.dep === null ? [] : [f.dep]))) }))
      .sort((a, b) => Number(a.state === 'unknown') - Number(b.state === 'unknown') || b.nb_flights - a.nb_flights || a.state.localeCompare(b.state));
    assert.deepEqual(await published('kpi_flights_by_state'), expectedStates);
    assert.equal(expectedStates.at(-1)!.state, 'unknown', 'the flight from an unknown airport is kept');

    // carriers: cancellations and the on-time share of flights that flew
    const carriers = [...new Set(all.map((f) => f.carrier))].sort().map((carrier) => {
      const fs = all.filter((f) => f.carrier === carrier);
      const flown = fs.filter((f) => !f.cancelled);
      return { carrier, nb_flights: fs.length, cancelled: fs.length - flown.length, on_time_pct: Math.round(((100 * flown.filter((f) => f.arr! <= 15).length) / flown.length) * 100) / 100 };
    });
    assert.deepEqual(await published('kpi_carriers'), carriers);

    // daily_flights: a KPI column named `date`, served as YYYY-MM-DD
    const days = [...new Set(all.map((f) => f.date))].sort();
    assert.deepEqual(
      await published('kpi_daily_flights'),
      days.map((date) => {
        const fs = all.filter((f) => f.date === date);
        return { date, nb_flights: fs.length, avg_dep_delay: avg(fs.flatMap((f) => (f.dep === null ? [] : [f.dep]))) };
      }),
    );
    assert.deepEqual(await published('kpi_monthly_flights'), [
      { month: '2026-01', nb_flights: all.filter((f) => f.date.startsWith('2026-01')).length },
      { month: '2026-02', nb_flights: all.filter((f) => f.date.startsWith('2026-02')).length },
    ]);
    const [summary] = await published('kpi_summary');
    assert.deepEqual(summary, {
      nb_flights: all.length,
      cancelled: all.filter((f) => f.cancelled).length,
      avg_dep_delay: avg(all.flatMap((f) => (f.dep === null ? [] : [f.dep]))),
      airports: new Set(all.map((f) => f.origin)).size,
    });

    // weather: no key, every row kept but the exact duplicate; "Storm" matched to its allowed spelling
    const events = (await readCsv(path.join(dir, 'sources', 'weather_2026.csv'))).map((r) => `${r['date']}|${r['airport']}|${r['event']!.toLowerCase()}|${r['intensity']}`);
    const counts = new Map<string, number[]>();
    for (const e of new Set(events)) {
      const [, , event, intensity] = e.split('|');
      counts.set(event!, [...(counts.get(event!) ?? []), Number(intensity)]);
    }
    const weather = [...counts].map(([event, xs]) => ({ event, nb_events: xs.length, avg_intensity: avg(xs) })).sort((a, b) => b.nb_events - a.nb_events || a.event.localeCompare(b.event));
    assert.deepEqual(await published('kpi_weather'), weather);
  });

  test('the API serves the declared filters and ranges, on a column named date too', async () => {
    const get = async (p: string) => (await fetch(`${base}${p}`)).json();
    const week = await get('/api/daily_flights?from=2026-01-05&to=2026-01-07');
    assert.deepEqual(week.map((r: { date: string }) => r.date), ['2026-01-05', '2026-01-06', '2026-01-07']);
    const feb = await get('/api/monthly_flights?from=2026-02-10');
    assert.deepEqual(feb.map((r: { month: string }) => r.month), ['2026-02']);
    const ca = await get('/api/flights_by_state?state=CA');
    assert.deepEqual(ca.map((r: { state: string }) => r.state), ['CA']);
    const bad = await fetch(`${base}/api/flights_by_state?from=2026-01-01`);
    assert.equal(bad.status, 400);
    const wrong = await fetch(`${base}/api/kpis/carriers?state=CA`);
    assert.equal(wrong.status, 400);
    assert.match((await wrong.json()).message, /parameter "state" is not supported by KPI carriers/);
    const project = await get('/api/project');
    assert.equal(project.name, 'flights');
    assert.deepEqual(project.tabs.map((t: { id: string }) => t.id), ['carriers', 'daily_flights', 'flights_by_state', 'monthly_flights', 'summary', 'weather']);
    assert.deepEqual(project.home, ['summary']);
    const openapi = await get('/openapi.json');
    assert.deepEqual(Object.keys(openapi.paths['/api/daily_flights'].get.responses['200'].content['application/json'].schema.items.properties), ['date', 'nb_flights', 'avg_dep_delay']);
  });

  test('without a key, a new version of a file replaces its rows', async () => {
    const file = path.join(dir, 'sources', 'weather_2026.csv');
    await fs.writeFile(file, 'date,airport,event,intensity\n2026-02-01,ATL,fog,1\n2026-02-02,ATL,fog,3\n2026-02-02,SEA,rain,2\n');
    const { summary, error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    assert.equal(summary.stages[0]!.details['files']!['weather_2026.csv' as never], 'new version');
    assert.deepEqual(await published('kpi_weather'), [
      { event: 'fog', nb_events: 2, avg_intensity: 2 },
      { event: 'rain', nb_events: 1, avg_intensity: 2 },
    ]);
    // The same content under another name is the same file: not ingested again.
    await fs.copyFile(file, path.join(dir, 'sources', 'weather_copy.csv'));
    const again = await runPipeline({ config });
    assert.equal(again.summary.stages[0]!.details['files']!['weather_copy.csv' as never], 'unchanged: same content as weather_2026.csv');
    assert.deepEqual(await published('kpi_weather'), [
      { event: 'fog', nb_events: 2, avg_intensity: 2 },
      { event: 'rain', nb_events: 1, avg_intensity: 2 },
    ]);
  });
});
