/**
 * `npm run bench:api`: the API under load. Builds the seed's sample lake in a temporary DATA_DIR,
 * starts `datalake serve` (SERVER_WORKERS = --workers, default one per core) in its own processes and
 * loads /api/ca_par_pays and /api/volumes_jour for 10 s each, printing req/s, p50 and p99 latency.
 * The load comes from wrk when it is installed (a C load generator that leaves the cores to the
 * server), else from autocannon, which on a 2-core machine takes most of a core itself.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Table from 'cli-table3';
import { loadConfig } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { runPipeline } from '../test/support/run.js';
import { startServer } from '../test/support/load.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    paths: { type: 'string', default: '/api/ca_par_pays,/api/volumes_jour' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
    tool: { type: 'string', default: existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon' },
  },
});
if (!['wrk', 'autocannon'].includes(values.tool!)) {
  console.error('error: --tool is wrk or autocannon');
  process.exit(1);
}
const duration = Number(values.duration);
const connections = Number(values.connections);

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-bench-api-'));
const env = { DATA_DIR: dir, CI: '1', LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn', SERVER_WORKERS: values.workers! };
const config = loadConfig({ DATA_DIR: dir });
console.log(`preparing the seed's sample lake in ${dir} …`);
await generate({ outDir: config.sourcesDir });
const { error } = await runPipeline({ config });
if (error) throw error;

const { url, child: server } = await startServer(env);

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

async function withWrk(target: string): Promise<Load> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile('wrk', ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', target], (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const pick = (re: RegExp) => re.exec(out)?.[1] ?? 'NaN';
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0);
  return { rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)), p50: toMs(pick(/50%\s+(\S+)/)), p99: toMs(pick(/99%\s+(\S+)/)), errors };
}

async function withAutocannon(target: string): Promise<Load> {
  const r = await autocannon({ url: target, connections, duration, pipelining: 1 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors };
}

const table = new Table({ head: ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors + non-2xx'], style: { head: [], border: [] } });
try {
  for (const p of values.paths!.split(',')) {
    process.stdout.write(`${p}: ${duration} s, ${connections} connections, ${values.tool} … `);
    const load = values.tool === 'wrk' ? await withWrk(url + p) : await withAutocannon(url + p);
    console.log(`${Math.round(load.rps)} req/s`);
    table.push([p, Math.round(load.rps).toLocaleString('en'), load.p50.toFixed(2), load.p99.toFixed(2), load.errors]);
  }
} finally {
  server.kill('SIGTERM');
  await fs.rm(dir, { recursive: true, force: true });
}
console.log(`datalake API benchmark: ${os.cpus().length} cores, node ${process.version}, ${values.workers} server worker(s), load from ${values.tool} on the same machine`);
console.log(table.toString());
