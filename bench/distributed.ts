/**
 * `npm run bench:distributed [-- --achats 10000000 --workers 2]`: the whole pipeline on the same sources
 * in-process, then in distributed mode (a redis-server started here, `datalake worker` processes), and
 * prints wall times side by side. The purchases come as one file per month (`achats_2026-01.csv`…), as
 * a daily or monthly export would, so that silver's per-file cleaning has shards to spread; gold's
 * fact is split by month either way.
 * A benchmark, not a test: numbers depend on the machine. Needs redis-server (apt-get install redis-server).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { loadConfig } from '../src/config.js';
import { Engine, sqlString as str } from '../src/engine/duckdb.js';
import { startTestRedis } from '../test/support/redis.js';

const { values } = parseArgs({
  options: { achats: { type: 'string', default: '10000000' }, workers: { type: 'string', default: '2' }, dir: { type: 'string' }, 'single-file': { type: 'boolean', default: false } },
});
const achats = Number(values.achats!.replace(/_/g, ''));
const workerCount = Number(values.workers);
if (!Number.isSafeInteger(achats) || achats <= 0 || !Number.isSafeInteger(workerCount) || workerCount <= 0) {
  console.error('error: --achats and --workers take positive integers, e.g. --achats 10000000 --workers 2');
  process.exit(1);
}
const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));

function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1', ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`datalake ${args.join(' ')} failed: ${stderr.trim()}`)) : resolve(stdout),
    );
  });
}

/** Splits the generated achats.csv into one file per month of date_achat. */
async function splitByMonth(sourcesDir: string, scratch: string): Promise<number> {
  const engine = await Engine.open(loadConfig({}).duckdb, path.join(scratch, 'spill'));
  const out = path.join(scratch, 'split');
  try {
    await engine.run(`COPY (SELECT *, substr(date_achat, 1, 7) AS m FROM read_csv(${str(path.join(sourcesDir, 'achats.csv'))}, all_varchar = true, header = true))
      TO ${str(out)} (FORMAT csv, HEADER true, PARTITION_BY (m))`);
  } finally {
    engine.close();
  }
  const months = (await fs.readdir(out)).filter((d) => d.startsWith('m='));
  for (const m of months) {
    const [file] = await fs.readdir(path.join(out, m));
    await fs.rename(path.join(out, m, file!), path.join(sourcesDir, `achats_${m.slice(2)}.csv`));
  }
  await fs.rm(path.join(sourcesDir, 'achats.csv'));
  return months.length;
}

interface Run {
  seconds: number;
  stages: { stage: string; seconds: number }[];
  tasks: { name: string; parent?: string; attempts: { worker?: string }[] }[];
  peakRssBytes: number;
}

const root = await fs.mkdtemp(path.join(values.dir ?? os.tmpdir(), 'datalake-bench-distributed-'));
const redis = await startTestRedis();
if (!redis) {
  console.error('error: redis-server is not installed: apt-get install -y redis-server');
  process.exit(1);
}
const workers: ChildProcess[] = [];
try {
  console.log(`datalake distributed benchmark: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, node ${process.version}`);
  const inProcessDir = path.join(root, 'in-process');
  const distributedDir = path.join(root, 'distributed');
  process.stdout.write(`generating ${achats.toLocaleString('en')} achats… `);
  await cli(['generate', '--achats', String(achats), '--json'], { DATA_DIR: inProcessDir });
  const files = values['single-file'] ? 1 : await splitByMonth(path.join(inProcessDir, 'sources'), root);
  await fs.cp(path.join(inProcessDir, 'sources'), path.join(distributedDir, 'sources'), { recursive: true });
  console.log(`${files} achats file(s).`);

  process.stdout.write('in-process run… ');
  let start = performance.now();
  const local = JSON.parse(await cli(['run', '--json'], { DATA_DIR: inProcessDir })) as Run;
  const localWall = (performance.now() - start) / 1000;
  console.log(`${localWall.toFixed(1)} s`);

  const env = { DATA_DIR: distributedDir, REDIS_URL: redis.url };
  for (let i = 0; i < workerCount; i++) {
    const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    workers.push(child);
    await new Promise<void>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('waiting for runs')) resolve();
      });
    });
  }
  process.stdout.write(`distributed run on ${workerCount} workers… `);
  start = performance.now();
  const remote = JSON.parse(await cli(['run', '--json'], env)) as Run;
  const remoteWall = (performance.now() - start) / 1000;
  console.log(`${remoteWall.toFixed(1)} s`);

  const stage = (r: Run, name: string) => r.stages.find((s) => s.stage === name)?.seconds.toFixed(2) ?? '';
  const shards = (r: Run) => r.tasks.filter((t) => t.parent).length;
  const shardWorkers = (r: Run) => new Set(r.tasks.filter((t) => t.parent).map((t) => t.attempts.at(-1)?.worker ?? 'this process')).size;
  const table = new Table({ head: ['mode', 'bronze s', 'silver s', 'gold s', 'publish s', 'run s', 'wall s (CLI)', 'shards', 'processes'], style: { head: [], border: [] } });
  table.push(['in-process', stage(local, 'bronze'), stage(local, 'silver'), stage(local, 'gold'), stage(local, 'publish'), local.seconds.toFixed(2), localWall.toFixed(2), shards(local), 1]);
  table.push([`${workerCount} workers`, stage(remote, 'bronze'), stage(remote, 'silver'), stage(remote, 'gold'), stage(remote, 'publish'), remote.seconds.toFixed(2), remoteWall.toFixed(2), shards(remote), shardWorkers(remote)]);
  console.log(table.toString());
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await redis.stop();
  await fs.rm(root, { recursive: true, force: true });
}
