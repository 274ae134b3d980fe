/**
 * `npm run bench [-- --sizes 1000000,10000000]`: for each size, generates that many purchases, runs the
 * whole pipeline through the CLI (as a user would) and prints per-stage seconds, rows/s and peak RSS.
 * Then the incremental case: a daily file (new purchases of yesterday, 0.3 % of the total) is dropped
 * and the pipeline run again, then run once more with nothing new.
 *
 * Each figure has its reference from the same run, so that the machine's noise cancels: the plain
 * DuckDB pass over the same CSV (typed read → Parquet, the least any pipeline must do), the seed's
 * pandas logic (bench/seed_logic.py, up to 2M purchases, when python3 has pandas), and for start-up a
 * bare `node -e 0` (`--start` only, or with the sizes).
 * `--own-data N`: the flights example project (composite key, US dates, NA values, references as
 * warnings, a keyless dataset) on N generated flights, its rows/s beside the shop's at the same size.
 * `--repeat N`: N rounds of each plain pass and first run (alternated, each run on an empty lake, then the
 * daily drop and the run with nothing new on that lake), and of the flights run; the medians are printed (the peak RSS is the highest). On a shared machine one round
 * can be off by 30 % either way.
 * A benchmark, not a test: numbers depend on the machine.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { DuckDBInstance } from '@duckdb/node-api';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,10000000' },
    dir: { type: 'string' },
    start: { type: 'boolean', default: false },
    'start-only': { type: 'boolean', default: false },
    'own-data': { type: 'string' },
    repeat: { type: 'string', default: '1' },
  },
});
const repeat = Number(values.repeat);
if (!Number.isSafeInteger(repeat) || repeat < 1) {
  console.error('error: --repeat takes a positive number of rounds, e.g. --repeat 3');
  process.exit(1);
}
const sizes = values.sizes!.split(',').map((s) => Number(s.replace(/_/g, '')));
if (sizes.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
  console.error('error: --sizes takes positive integers separated by commas, e.g. --sizes 1000000,10000000');
  process.exit(1);
}
const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));

function cli(args: string[], dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, DATA_DIR: dataDir, CI: '1' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`datalake ${args.join(' ')} failed: ${stderr.trim()}`)) : resolve(stdout),
    );
  });
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const PANDAS_MAX = 2_000_000;
const table = new Table({
  head: ['achats', 'bronze s', 'silver s', 'gold s', 'commit+publish s', 'pipeline s', 'rows/s', 'plain DuckDB s', '× plain', 'pandas seed s', 'seed ÷ ours', 'peak RSS run', 'daily drop s', 'nothing new s'],
  style: { head: [], border: [] },
});
const curve: { n: number; seconds: number; rss: number }[] = [];
console.log(`datalake benchmark: ${os.cpus().length} cores, ${mib(os.totalmem())} RAM, node ${process.version}`);
if (!values['start-only']) {
  const pandas = await pandasPython();
  if (!pandas) console.log('(the pandas reference is skipped: python3 has no pandas; apt-get install -y python3-pandas)');
  for (const n of sizes) {
    const dir = await fs.mkdtemp(path.join(values.dir ?? os.tmpdir(), `datalake-bench-${n}-`));
    try {
      process.stdout.write(`${n.toLocaleString('en')} achats: generating… `);
      const gen = JSON.parse(await cli(['generate', '--achats', String(n), '--json'], dir));
      process.stdout.write(`${gen.seconds.toFixed(1)} s`);
      const achatsCsv = path.join(dir, 'sources', 'achats.csv');
      // The plain pass and the pipeline alternate, each round on a new lake, followed by the daily drop
      // and the run with nothing new on that lake: the medians are kept.
      const dailyCsv = path.join(dir, 'sources', 'achats_daily.csv');
      const rounds: { plain: number; run: RunRecord; seconds: number; daily: number; nothing: number }[] = [];
      for (let round = 1; round <= repeat; round++) {
        if (round > 1) {
          await emptyLake(dir);
          await fs.rm(dailyCsv, { force: true });
        }
        process.stdout.write(`${repeat > 1 ? `; round ${round}:` : ';'} plain DuckDB pass… `);
        const plain = await plainDuckDbPass(achatsCsv, path.join(dir, 'plain.parquet'));
        process.stdout.write(`${plain.toFixed(1)} s; running the pipeline… `);
        const run = JSON.parse(await cli(['run', '--json'], dir)) as RunRecord;
        process.stdout.write(`${stagesSeconds(run).toFixed(1)} s; a daily drop… `);
        await writeDailyDrop(dailyCsv, n);
        const daily = (JSON.parse(await cli(['run', '--json'], dir)) as RunRecord).seconds;
        const nothing = (JSON.parse(await cli(['run', '--json'], dir)) as RunRecord).seconds;
        process.stdout.write(`${daily.toFixed(1)} s; nothing new ${nothing.toFixed(2)} s`);
        rounds.push({ plain, run, seconds: stagesSeconds(run), daily, nothing });
      }
      const plain = median(rounds.map((r) => r.plain));
      const daily = median(rounds.map((r) => r.daily));
      const nothing = median(rounds.map((r) => r.nothing));
      const { run, seconds: pipelineSeconds } = [...rounds].sort((a, b) => a.seconds - b.seconds)[Math.floor((rounds.length - 1) / 2)]!;
      const stage = (name: string) => run.stages.find((s) => s.stage === name)?.seconds ?? 0;
      let seed: number | undefined;
      if (pandas && n <= PANDAS_MAX) {
        process.stdout.write('; the seed in pandas… ');
        seed = await seedLogic(pandas, path.join(dir, 'sources', 'clients.csv'), achatsCsv);
        process.stdout.write(`${seed.toFixed(1)} s`);
      }
      console.log();
      const peakRss = Math.max(...rounds.map((r) => r.run.peakRssBytes));
      curve.push({ n, seconds: pipelineSeconds, rss: peakRss });
      table.push([
        n.toLocaleString('en'),
        stage('bronze').toFixed(2),
        stage('silver').toFixed(2),
        stage('gold').toFixed(2),
        (stage('commit') + stage('publish')).toFixed(2),
        pipelineSeconds.toFixed(2),
        Math.round(n / pipelineSeconds).toLocaleString('en'),
        plain.toFixed(2),
        (pipelineSeconds / plain).toFixed(2),
        seed === undefined ? (n > PANDAS_MAX ? `(> ${PANDAS_MAX / 1e6}M)` : '(no pandas)') : seed.toFixed(2),
        seed === undefined ? '' : (seed / pipelineSeconds).toFixed(1),
        mib(peakRss),
        daily.toFixed(2),
        nothing.toFixed(2),
      ]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  console.log(table.toString());
  if (values['own-data']) await ownData(Number(values['own-data'].replace(/_/g, '')), curve);
  if (curve.length > 1) {
    const base = curve[0]!;
    console.log('growth (time and peak RSS against the smallest size):');
    for (const c of curve) console.log(`  ${c.n.toLocaleString('en')}: ${c.seconds.toFixed(2)} s = ${(c.seconds / base.seconds).toFixed(2)} × for ${(c.n / base.n).toFixed(1)} × the rows; ${Math.round(c.n / c.seconds).toLocaleString('en')} rows/s; peak RSS ${mib(c.rss)}`);
  }
}
if (values.start || values['start-only']) await startTimes();

interface RunRecord {
  seconds: number;
  peakRssBytes: number;
  stages: { stage: string; seconds: number }[];
}

/** The time of a run's stages (the run's own work, without the process's start). */
function stagesSeconds(run: RunRecord): number {
  return run.stages.reduce((acc, s) => acc + s.seconds, 0);
}

/** The lower median. */
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
}

/** Everything of a benchmark's DATA_DIR but its sources: the next run starts from an empty lake. */
async function emptyLake(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir)) if (entry !== 'sources') await fs.rm(path.join(dir, entry), { recursive: true, force: true });
}

/** The least any pipeline must do with the file: one typed read of the CSV into one Parquet file. */
async function plainDuckDbPass(csv: string, out: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(os.availableParallelism()) });
  const connection = await instance.connect();
  const started = performance.now();
  await connection.run(
    `COPY (SELECT * FROM read_csv('${csv}', header = true, columns = {'id_achat': 'BIGINT', 'id_client': 'BIGINT', 'date_achat': 'TIMESTAMP', 'montant': 'DECIMAL(18,2)', 'produit': 'VARCHAR'})) TO '${out}' (FORMAT parquet)`,
  );
  const seconds = (performance.now() - started) / 1000;
  connection.closeSync();
  instance.closeSync();
  await fs.rm(out, { force: true });
  return seconds;
}

/** The first python3 that has pandas (the one on PATH may be another than the system's). */
async function pandasPython(): Promise<string | undefined> {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (await new Promise((resolve) => execFile(python, ['-c', 'import pandas'], (err) => resolve(!err)))) return python;
  }
  return undefined;
}

/** The seed's silver and gold logic in pandas on the same files (bench/seed_logic.py): its own timing. */
function seedLogic(python: string, clients: string, achats: string): Promise<number> {
  const script = fileURLToPath(new URL('./seed_logic.py', import.meta.url));
  return new Promise((resolve, reject) =>
    execFile(python, [script, clients, achats], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`seed_logic.py failed: ${stderr.trim()}`)) : resolve(Number(stdout.trim().split(' ')[0])))),
  );
}

/** Median wall time of a few commands against a bare `node -e 0`, 10 runs each. */
async function startTimes(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-bench-start-'));
  try {
    await cli(['generate', '--achats', '1000'], dir);
    await cli(['run'], dir);
    const time = async (args: string[]) => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        await new Promise<void>((resolve, reject) => execFile(process.execPath, args, { env: { ...process.env, DATA_DIR: dir, CI: '1' } }, (err) => (err ? reject(err) : resolve())));
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[5]!;
    };
    const node = await time(['-e', '0']);
    const start = new Table({ head: ['command', 'median ms', '× node -e 0'], style: { head: [], border: [] } });
    start.push(['node -e 0', node.toFixed(0), '1.0']);
    for (const args of [['--help'], ['kpis'], ['runs', '--limit', '2'], ['schedule', '--list']]) {
      const ms = await time([BIN, ...args]);
      start.push([`datalake ${args.join(' ')}`, ms.toFixed(0), (ms / node).toFixed(1)]);
    }
    console.log('CLI start (folder lake, 10 runs each):');
    console.log(start.toString());
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The flights example (examples/flights) on `n` generated flights: each (carrier, flight number, day)
 * once, US dates, a cancelled flight's delays `NA`, the example's airports and weather files. Printed
 * beside the shop's rows/s at the same size (run here if --sizes did not include it).
 */
async function ownData(n: number, shop: { n: number; seconds: number }[]): Promise<void> {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error('--own-data takes a positive number of flights, e.g. --own-data 2000000');
  const dir = await fs.mkdtemp(path.join(values.dir ?? os.tmpdir(), `datalake-bench-flights-${n}-`));
  try {
    const project = path.join(dir, 'flights');
    await fs.cp(fileURLToPath(new URL('../examples/flights', import.meta.url)), project, { recursive: true });
    for (const f of await fs.readdir(path.join(project, 'sources'))) if (f.startsWith('flights')) await fs.rm(path.join(project, 'sources', f));
    process.stdout.write(`own data (flights), ${n.toLocaleString('en')} flights: generating… `);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const airports = "['ATL','DFW','DEN','ORD','LAX','SFO','JFK','SEA']";
    await connection.run(`
      COPY (
        SELECT strftime(DATE '2025-01-01' + (i % 365)::INTEGER, '%m/%d/%Y') AS "Date",
               ['AA','DL','UA','WN'][((i // 365) % 4)::BIGINT + 1] AS "Carrier",
               (i // 1460)::INTEGER AS "Flight Number",
               ${airports}[(hash(i) % 8)::BIGINT + 1] AS "Origin",
               ${airports}[(hash(i + 1) % 8)::BIGINT + 1] AS "Dest",
               CASE WHEN hash(i) % 50 = 0 THEN 'NA' ELSE ((hash(i * 7) % 900) / 10.0 - 15)::VARCHAR END AS "Dep Delay",
               CASE WHEN hash(i) % 50 = 0 THEN 'NA' ELSE ((hash(i * 11) % 900) / 10.0 - 20)::VARCHAR END AS "Arr Delay",
               200 + hash(i * 3) % 2500 AS "Distance",
               hash(i) % 50 = 0 AS "Cancelled"
        FROM range(${n}) t(i)
      ) TO '${path.join(project, 'sources', 'flights_bench.csv')}' (HEADER)`);
    connection.closeSync();
    instance.closeSync();
    const runs: RunRecord[] = [];
    for (let round = 1; round <= repeat; round++) {
      await fs.rm(path.join(dir, 'data'), { recursive: true, force: true });
      process.stdout.write(`${repeat > 1 ? `round ${round}: ` : ''}running its pipeline… `);
      runs.push(JSON.parse(await cli(['run', '--json', '--project', project], path.join(dir, 'data'))) as RunRecord);
      process.stdout.write(`${stagesSeconds(runs.at(-1)!).toFixed(1)} s${round < repeat ? '; ' : '\n'}`);
    }
    const seconds = median(runs.map(stagesSeconds));
    const peakRss = Math.max(...runs.map((r) => r.peakRssBytes));
    let reference = shop.find((c) => c.n === n);
    if (!reference) {
      process.stdout.write(`the shop at ${n.toLocaleString('en')} purchases for reference… `);
      const shopDir = path.join(dir, 'shop');
      await cli(['generate', '--achats', String(n)], shopDir);
      const shopRuns: number[] = [];
      for (let round = 1; round <= repeat; round++) {
        if (round > 1) await emptyLake(shopDir);
        shopRuns.push(stagesSeconds(JSON.parse(await cli(['run', '--json'], shopDir)) as RunRecord));
      }
      reference = { n, seconds: median(shopRuns) };
      console.log(`${reference.seconds.toFixed(1)} s`);
    }
    const t = new Table({ head: ['project', 'rows', 'pipeline s', 'rows/s', 'peak RSS'], style: { head: [], border: [] } });
    t.push(['flights (own data)', n.toLocaleString('en'), seconds.toFixed(2), Math.round(n / seconds).toLocaleString('en'), mib(peakRss)]);
    t.push(['shop', n.toLocaleString('en'), reference.seconds.toFixed(2), Math.round(n / reference.seconds).toLocaleString('en'), '']);
    console.log(t.toString());
    console.log(`own data at ${(reference.seconds / seconds).toFixed(2)} × the shop's rows/s`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** New purchases of one day (ids after the generated ones): the month of that day is rewritten. */
async function writeDailyDrop(file: string, purchases: number): Promise<void> {
  const count = Math.max(1000, Math.round(purchases * 0.003));
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const lines = ['id_achat,id_client,date_achat,montant,produit'];
  for (let i = 1; i <= count; i++) lines.push(`${purchases + i},${1 + (i % 100)},${day} 12:00:00,${(10 + (i % 500)).toFixed(2)},Phone`);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}
