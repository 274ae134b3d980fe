/**
 * `npm run bench:load [-- --seconds 60 --connections 8]`: the API (`datalake serve`) under concurrent
 * clients on KPI, explorer and compare endpoints while another process republishes the KPI set in a
 * loop (`datalake publish --full-refresh`), every response checked for a complete answer. Prints req/s,
 * p50/p99 latency, status counts and the server's memory over time. The rate limit is off for the run
 * (RATE_LIMIT_PER_MINUTE=0): every client comes from 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from '../src/generate/generator.js';
import { loadWhileRepublishing, standardProbes, startServer } from '../test/support/load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, connections: { type: 'string', default: '8' }, achats: { type: 'string', default: '100000' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const achats = Number(values.achats);
if (![seconds, connections, achats].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error('error: --seconds, --connections and --achats take positive integers');
  process.exit(1);
}
const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-bench-load-'));
const env = { DATA_DIR: dir, CI: '1', RATE_LIMIT_PER_MINUTE: '0' };
try {
  await generate({ outDir: path.join(dir, 'sources'), achats, seed: 42 });
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [BIN, 'run'], { env: { ...process.env, ...env } }, (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())),
  );
  const server = await startServer(env);
  try {
    console.log(`datalake load benchmark: ${os.cpus().length} cores, ${seconds} s, ${connections} clients, ${achats.toLocaleString('en')} achats, republishing in a loop`);
    const r = await loadWhileRepublishing({ url: server.url, serverPid: server.child.pid!, env, seconds, connections, probes: await standardProbes(server.url) });
    console.log(`requests ${r.requests}  req/s ${r.rps}  p50 ${r.p50} ms  p99 ${r.p99} ms  statuses ${JSON.stringify(r.byStatus)}`);
    console.log(`incomplete or 5xx responses: ${r.badCount}${r.bad.length ? `\n  ${r.bad.join('\n  ')}` : ''}`);
    console.log(`publishes ${r.publishes} (failed ${r.publishFailures.length})  server RSS MiB each second: ${r.rssMiB.join(' ')}`);
    if (r.badCount || r.publishFailures.length) process.exitCode = 1;
  } finally {
    server.child.kill('SIGTERM');
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
