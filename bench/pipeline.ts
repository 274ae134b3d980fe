/**
 * `npm run bench [-- --sizes 1000000,10000000]`: for each size, generates that many purchases, runs the
 * whole pipeline through the CLI (as a user would) and prints per-stage seconds, rows/s and peak RSS.
 * Then the incremental case: a daily file (new purchases of yesterday, 0.3 % of the total) is dropped
 * and the pipeline run again, then run once more with nothing new.
 * A benchmark, not a test: numbers depend on the machine.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000000,10000000' }, dir: { type: 'string' } } });
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
const table = new Table({
  head: ['achats', 'generate s', 'bronze s', 'silver s', 'gold s', 'publish s', 'pipeline s', 'rows/s', 'peak RSS gen', 'peak RSS run', 'daily drop s', 'no change s'],
  style: { head: [], border: [] },
});
console.log(`datalake benchmark: ${os.cpus().length} cores, ${mib(os.totalmem())} RAM, node ${process.version}`);
for (const n of sizes) {
  const dir = await fs.mkdtemp(path.join(values.dir ?? os.tmpdir(), `datalake-bench-${n}-`));
  try {
    process.stdout.write(`${n.toLocaleString('en')} achats: generating… `);
    const gen = JSON.parse(await cli(['generate', '--achats', String(n), '--json'], dir));
    process.stdout.write(`${gen.seconds.toFixed(1)} s; running the pipeline… `);
    const run = JSON.parse(await cli(['run', '--json'], dir));
    const stage = (name: string) => run.stages.find((s: { stage: string }) => s.stage === name)?.seconds ?? NaN;
    const pipelineSeconds = run.stages.reduce((acc: number, s: { seconds: number }) => acc + s.seconds, 0);
    process.stdout.write(`${pipelineSeconds.toFixed(1)} s; a daily drop… `);
    await writeDailyDrop(path.join(dir, 'sources', 'achats_daily.csv'), n);
    const daily = JSON.parse(await cli(['run', '--json'], dir));
    const nothing = JSON.parse(await cli(['run', '--json'], dir));
    console.log(`${daily.seconds.toFixed(1)} s; nothing new ${nothing.seconds.toFixed(2)} s`);
    table.push([
      n.toLocaleString('en'),
      gen.seconds.toFixed(2),
      stage('bronze').toFixed(2),
      stage('silver').toFixed(2),
      stage('gold').toFixed(2),
      stage('publish').toFixed(2),
      pipelineSeconds.toFixed(2),
      Math.round(n / pipelineSeconds).toLocaleString('en'),
      mib(gen.peakRssBytes),
      mib(run.peakRssBytes),
      daily.seconds.toFixed(2),
      nothing.seconds.toFixed(2),
    ]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
console.log(table.toString());

/** New purchases of one day (ids after the generated ones): the month of that day is rewritten. */
async function writeDailyDrop(file: string, purchases: number): Promise<void> {
  const count = Math.max(1000, Math.round(purchases * 0.003));
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const lines = ['id_achat,id_client,date_achat,montant,produit'];
  for (let i = 1; i <= count; i++) lines.push(`${purchases + i},${1 + (i % 100)},${day} 12:00:00,${(10 + (i % 500)).toFixed(2)},Phone`);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}
