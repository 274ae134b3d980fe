import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { generate } from '../src/generate/generator.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { loadWhileRepublishing, standardProbes, startServer } from './support/load.js';

// The API under concurrent clients on KPI, explorer and compare endpoints while another process
// republishes the KPI set in a loop: no 5xx, every answer complete. A correctness test: speed and the
// 60 s run are `npm run bench:load`.

const SECONDS = Number(process.env['DATALAKE_LOAD_SECONDS'] ?? 12);
const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));

describe(`API under load while the pipeline republishes (${SECONDS} s)`, () => {
  let env: Record<string, string>;
  let dataDir: string;
  let server: { url: string; child: ChildProcess };
  before(async () => {
    const t = await tempConfig({ RATE_LIMIT_PER_MINUTE: '0' });
    ({ env } = t);
    dataDir = t.config.dataDir;
    await generate({ outDir: t.config.sourcesDir, clients: 300, achats: 20_000, seed: 6, asOf: FIXED_DAY });
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [BIN, 'run'], { env: { PATH: process.env['PATH'] ?? '', ...env } }, (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())),
    );
    server = await startServer(env);
  });
  after(async () => {
    server?.child.kill('SIGTERM');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('zero 5xx, every response a complete KPI set, the server memory stable', async () => {
    const result = await loadWhileRepublishing({ url: server.url, serverPid: server.child.pid!, env, seconds: SECONDS, connections: 8, probes: await standardProbes(server.url) });
    console.log(`load: ${result.requests} requests, ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, statuses ${JSON.stringify(result.byStatus)}, ${result.publishes} publishes, RSS MiB ${result.rssMiB.join(' ')}`);
    assert.deepEqual(result.bad, [], `${result.badCount} bad responses`);
    assert.deepEqual(result.publishFailures, []);
    assert.ok(result.publishes >= 3, `the pipeline republished during the load (${result.publishes})`);
    assert.equal(result.byStatus[200], result.requests, 'every request answered 200');
    // Memory: after warming up, the server does not keep growing.
    const warm = result.rssMiB.slice(Math.floor(result.rssMiB.length / 3));
    assert.ok(Math.max(...warm) - Math.min(...warm) < 100, `RSS stable after warm-up: ${warm.join(' ')} MiB`);
  });
});
