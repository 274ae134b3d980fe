import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/api/server.js';
import type { Config } from '../src/config.js';
import { Engine } from '../src/engine/duckdb.js';
import { generate } from '../src/generate/generator.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { goldTableReaders } from './support/gold.js';
import { BIN, runCli } from './support/cli.js';
import { publishedKpis } from './support/kpi.js';

// kill -9 of `datalake run --full-refresh` at 22 moments spread over a whole run (every stage), each
// followed by a rerun: gold and the serving store must end equal to a clean run's, and a reader polling
// the API all along must only ever see the complete KPI set.

const CRASHES = Number(process.env['DATALAKE_CRASHES'] ?? 22);

const cli = (args: string[], env: Record<string, string>) => runCli(args, env);

/** Starts a full-refresh run and kills it (SIGKILL) after `ms`; resolves with the last stage it printed. */
function killedRun(env: Record<string, string>, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', '--full-refresh'], { env: { PATH: process.env['PATH'] ?? '', ...env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      const stages = [...out.matchAll(/^✔ (bronze|silver|gold|publish)\b/gm)].map((m) => m[1]);
      resolve(stages.at(-1) ?? 'start');
    });
  });
}

describe(`crash recovery: kill -9 at ${CRASHES} points of a run`, () => {
  let config: Config;
  let env: Record<string, string>;
  let app: FastifyInstance;
  let engine: Engine;
  let goldReference: Record<string, string[]>;
  let servingReference: Record<string, unknown>;
  let runSeconds = 0;

  async function goldRows(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const [table, reader] of Object.entries(await goldTableReaders(config))) {
      out[table] = (await engine.rows(`SELECT * FROM ${reader}`)).map((r) => JSON.stringify(Object.values(r).map((v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v)))).sort();
    }
    return out;
  }

  before(async () => {
    ({ config, env } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 2000, achats: 300_000, seed: 13, asOf: FIXED_DAY });
    const start = performance.now();
    const clean = await cli(['run'], env);
    runSeconds = (performance.now() - start) / 1000;
    assert.equal(clean.code, 0, clean.stderr);
    engine = await Engine.open(config.duckdb, path.join(config.dataDir, 'spill'));
    goldReference = await goldRows();
    servingReference = await publishedKpis(config);
    app = await createApp(config);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    engine?.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('every crash is followed by a rerun that ends where a clean run does; readers see only complete KPI sets', async () => {
    // The reader: the whole ca_par_pays set, compared with the published one, as fast as it can.
    const expected = JSON.stringify((servingReference['kpi_ca_par_pays'] as { pays: string }[]).map((r) => r.pays).sort());
    let reads = 0;
    let stop = false;
    const partial: string[] = [];
    const reader = (async () => {
      while (!stop) {
        const res = await app.inject({ url: '/api/ca_par_pays' });
        reads++;
        if (res.statusCode !== 200) partial.push(`status ${res.statusCode}: ${res.body.slice(0, 200)}`);
        else if (JSON.stringify((res.json() as { pays: string }[]).map((r) => r.pays).sort()) !== expected) partial.push(res.body.slice(0, 200));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const reached: Record<string, number> = {};
    try {
      for (let i = 0; i < CRASHES; i++) {
        // Spread over 5 %..105 % of a run's length (process start included), a different moment each time.
        const ms = Math.round(runSeconds * 1000 * (0.05 + i / CRASHES));
        const last = await killedRun(env, ms);
        reached[last] = (reached[last] ?? 0) + 1;
        const rerun = await cli(['run'], env);
        assert.equal(rerun.code, 0, `rerun after a kill at ${ms} ms (after ${last}): ${rerun.stderr}`);
        assert.deepEqual(await publishedKpis(config), servingReference, `serving store after the kill at ${ms} ms`);
      }
      assert.deepEqual(await goldRows(), goldReference, 'gold equals the clean run');
    } finally {
      stop = true;
      await reader;
    }
    console.log(`crash recovery: ${CRASHES} kills, last stage completed before each kill: ${JSON.stringify(reached)}; ${reads} API reads, ${partial.length} incomplete`);
    assert.deepEqual(partial, [], 'the reader never saw an incomplete KPI set');
    assert.ok(reads > CRASHES * 10, 'the reader polled all along');
    // The process start is now much of a small run's length: at least the start and two tasks.
    assert.ok(Object.keys(reached).length >= 3, `kills landed in several stages: ${JSON.stringify(reached)}`);
  });
});
