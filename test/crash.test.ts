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

// kill -9 of `datalake run --full-refresh` at 22 moments spread over a whole run's length, and at each
// of the run's named moments (failpoints: each task's start, between its objects and its state, before
// and after the commit), each followed by a rerun: gold and the serving store must end equal to a clean
// run's, and a reader polling the API all along must only ever see the complete KPI set. The named
// moments make every stage covered whatever the machine's speed; the timed ones fall in between.

const CRASHES = Number(process.env['DATALAKE_CRASHES'] ?? 22);
const MOMENTS = ['task:silver', 'upload:first', 'silver:combine', 'task:gold', 'gold:combine', 'commit:before-states', 'commit:before-version', 'commit:after-version'];

const cli = (args: string[], env: Record<string, string>) => runCli(args, env);

/**
 * Starts a full-refresh run and kills it (SIGKILL) after `ms`, or lets it kill itself at a failpoint;
 * resolves with the last stage it printed and the signal that ended it.
 */
function killedRun(env: Record<string, string>, at: { ms: number } | { failpoint: string }): Promise<{ last: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const failpoint = 'failpoint' in at ? { DATALAKE_FAILPOINT: at.failpoint } : {};
    const child = spawn(process.execPath, [BIN, 'run', '--full-refresh'], { env: { PATH: process.env['PATH'] ?? '', ...env, ...failpoint, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = 'ms' in at ? setTimeout(() => child.kill('SIGKILL'), at.ms) : undefined;
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      const stages = [...out.matchAll(/^✔ (bronze|silver|gold|publish)\b/gm)].map((m) => m[1]);
      resolve({ last: stages.at(-1) ?? 'start', signal });
    });
  });
}

describe(`crash recovery: kill -9 at ${MOMENTS.length} named moments and ${CRASHES} timed points of a run`, () => {
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
    const afterKill = async (when: string, last: string) => {
      const rerun = await cli(['run'], env);
      assert.equal(rerun.code, 0, `rerun after a kill ${when} (after ${last}): ${rerun.stderr}`);
      assert.deepEqual(await publishedKpis(config), servingReference, `serving store after the kill ${when}`);
    };
    try {
      for (const failpoint of MOMENTS) {
        const { last, signal } = await killedRun(env, { failpoint });
        assert.equal(signal, 'SIGKILL', `the run reached ${failpoint} and died there`);
        await afterKill(`at ${failpoint}`, last);
      }
      for (let i = 0; i < CRASHES; i++) {
        // Spread over 5 %..105 % of a run's length (process start included), a different moment each time.
        const ms = Math.round(runSeconds * 1000 * (0.05 + i / CRASHES));
        const { last } = await killedRun(env, { ms });
        reached[last] = (reached[last] ?? 0) + 1;
        await afterKill(`at ${ms} ms`, last);
      }
      assert.deepEqual(await goldRows(), goldReference, 'gold equals the clean run');
    } finally {
      stop = true;
      await reader;
    }
    console.log(`crash recovery: ${MOMENTS.length} kills at failpoints, ${CRASHES} timed kills (last stage completed before each: ${JSON.stringify(reached)}); ${reads} API reads, ${partial.length} incomplete`);
    assert.deepEqual(partial, [], 'the reader never saw an incomplete KPI set');
    assert.ok(reads > CRASHES * 10, 'the reader polled all along');
  });
});
