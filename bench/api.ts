/**
 * `npm run bench:api`: the API under load, next to the framework's own floor. Builds the seed's sample
 * lake in a temporary DATA_DIR and starts, each in its own processes:
 *  - a bare Fastify server (no plugin, no hook) whose routes send the same bytes, content type and
 *    headers as ours: what any Fastify server costs on this machine;
 *  - `datalake serve` with SERVER_WORKERS=1, and with SERVER_WORKERS = the number of cores;
 *  - with `--baseline path/to/bin/datalake.js`, another build of datalake (SERVER_WORKERS=1), e.g. the
 *    previous commit's, to compare before and after in the same run.
 * Then loads each path on each server back to back, `--rounds` times (the machine may be shared: the
 * medians are printed, and ours ÷ bare per round). The load comes from wrk when it is installed (a C
 * load generator that leaves the cores to the server), else from autocannon, which on a 2-core machine
 * takes most of a core itself. Around each load it reads the server's CPU time from /proc (Linux): the
 * CPU a request costs, and bare's ÷ ours, a second view of the comparison that does not count the time
 * other work on a shared machine holds the core.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Table from 'cli-table3';
import { loadConfig } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { runPipeline } from '../test/support/run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/datalake.js');
const cores = os.availableParallelism();

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    paths: { type: 'string', default: '/api/ca_par_pays,/api/volumes_jour' },
    workers: { type: 'string', default: String(cores) },
    baseline: { type: 'string' },
    tool: { type: 'string', default: existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon' },
    unpinned: { type: 'boolean', default: false },
  },
});
if (!['wrk', 'autocannon'].includes(values.tool!)) {
  console.error('error: --tool is wrk or autocannon');
  process.exit(1);
}
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const paths = values.paths!.split(',').filter(Boolean);
const workers = Number(values.workers);
// The one-process servers run on the last core and wrk on the others (taskset): on a machine shared
// with other work, that keeps the comparison of one process with another stable. Several workers
// and their load share all the cores.
const pin = !values.unpinned && values.tool === 'wrk' && cores >= 2 && existsSync('/usr/bin/taskset');
const SERVER_CORE = String(cores - 1);
const LOAD_CORES = `0-${cores - 2}`;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Responses in the round, for the server's CPU time per request. */
  requests: number;
  /** The server's processes' CPU time (user + system) in the round, µs per request: NaN without /proc. */
  cpuPerRequest: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return n * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

async function withWrk(target: string, seconds: number, pinned: boolean): Promise<Load> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', target];
  const out = await new Promise<string>((resolve, reject) =>
    execFile(pinned ? 'taskset' : 'wrk', pinned ? ['-c', LOAD_CORES, 'wrk', ...args] : args, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const pick = (re: RegExp) => re.exec(out)?.[1] ?? 'NaN';
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0);
  // The distribution's own lines ("    50%    1.07ms"), not a thread line ending in "72.50%".
  return {
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50: toMs(pick(/^\s+50%\s+(\S+)$/m)),
    p99: toMs(pick(/^\s+99%\s+(\S+)$/m)),
    errors,
    requests: Number(pick(/(\d+) requests in/)),
    cpuPerRequest: NaN,
  };
}

async function withAutocannon(target: string, seconds: number): Promise<Load> {
  const r = await autocannon({ url: target, connections, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors, requests: r.requests.total, cpuPerRequest: NaN };
}

/**
 * CPU seconds (user + system) used so far by a process and its descendants (a cluster's workers), from
 * /proc; NaN where there is none.
 */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stats = new Map<number, { ppid: number; cpu: number }>();
    for (const entry of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      // Fields after the command (which may hold spaces), from field 3: ppid is the 2nd, utime and stime the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields.length > 13) stats.set(Number(entry), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS });
    }
    if (!stats.has(pid)) return NaN;
    let total = 0;
    const queue = [pid];
    for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
      total += stats.get(p)?.cpu ?? 0;
      for (const [child, s] of stats) if (s.ppid === p) queue.push(child);
    }
    return total;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on Linux whatever the kernel's own tick. */
const CLOCK_TICKS = 100;

async function load(target: string, pinned: boolean, seconds = duration, serverPid?: number): Promise<Load> {
  const before = serverPid === undefined ? NaN : await cpuSeconds(serverPid);
  const l = values.tool === 'wrk' ? await withWrk(target, seconds, pinned) : await withAutocannon(target, seconds);
  const after = serverPid === undefined ? NaN : await cpuSeconds(serverPid);
  return { ...l, cpuPerRequest: ((after - before) / l.requests) * 1e6 };
}

/** Spawns a server and resolves with its URL once it prints it. */
function start(command: string[], env: Record<string, string>, urlPattern: RegExp, pinned: boolean): Promise<{ url: string; child: ChildProcess }> {
  const argv = pinned ? ['-c', SERVER_CORE, process.execPath, ...command] : command;
  const child = spawn(pinned ? 'taskset' : process.execPath, argv, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = urlPattern.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code}: ${out}`)));
  });
}

const startDatalake = (bin: string, serverWorkers: number) =>
  start([bin, 'serve'], { ...env, SERVER_WORKERS: String(serverWorkers), PORT: '0', HOST: '127.0.0.1' }, /Dashboard: (http:\/\/[^/\s]+)\//, pin && serverWorkers === 1);

/**
 * The floor: Fastify with no plugin, no hook, no schema, each route sending a recorded answer of ours
 * (body, content type and the other headers; Node adds Date, Connection, Keep-Alive, Content-Length).
 */
const BARE = `
import Fastify from 'fastify';
const answers = JSON.parse(process.env.BARE_ANSWERS);
const app = Fastify();
for (const [path, { headers, body }] of Object.entries(answers)) app.get(path, (_request, reply) => { reply.headers(headers); reply.send(body); });
await app.listen({ port: 0, host: '127.0.0.1' });
console.log('bare: http://127.0.0.1:' + app.server.address().port + '/');
`;

async function record(url: string): Promise<Record<string, { headers: Record<string, string>; body: string }>> {
  const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
  const answers: Record<string, { headers: Record<string, string>; body: string }> = {};
  for (const p of paths) {
    const res = await fetch(url + p, { headers: { 'accept-encoding': 'identity' } });
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of res.headers) if (!skip.has(k)) headers[k] = v;
    answers[p] = { headers, body: await res.text() };
  }
  return answers;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-bench-api-'));
const env = { DATA_DIR: dir, CI: '1', LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn', RATE_LIMIT_PER_MINUTE: '120' };
const config = loadConfig({ DATA_DIR: dir });
console.log(`preparing the seed's sample lake in ${dir} …`);
await generate({ outDir: config.sourcesDir });
const { error } = await runPipeline({ config });
if (error) throw error;

const children: ChildProcess[] = [];
try {
  const targets: { name: string; processes: number; url: string; pinned: boolean; pid: number | undefined }[] = [];
  const one = await startDatalake(BIN, 1);
  children.push(one.child);
  const answers = await record(one.url);
  const bare = await start(['--input-type=module', '-e', BARE], { BARE_ANSWERS: JSON.stringify(answers) }, /bare: (http:\/\/[^/\s]+)\//, pin);
  children.push(bare.child);
  targets.push({ name: 'bare Fastify', processes: 1, url: bare.url, pinned: pin, pid: bare.child.pid }, { name: 'datalake', processes: 1, url: one.url, pinned: pin, pid: one.child.pid });
  if (values.baseline) {
    const base = await startDatalake(path.resolve(values.baseline), 1);
    children.push(base.child);
    targets.push({ name: `baseline (${values.baseline})`, processes: 1, url: base.url, pinned: pin, pid: base.child.pid });
  }
  if (workers !== 1) {
    const many = await startDatalake(BIN, workers);
    children.push(many.child);
    targets.push({ name: 'datalake', processes: workers, url: many.url, pinned: false, pid: many.child.pid });
  }

  // Warm-up (JIT, caches), then the rounds: every target, path after path, back to back, in the
  // reverse order every other round (a drift of the machine's speed weighs on all alike).
  for (const t of targets) for (const p of paths) await load(t.url + p, t.pinned, 2);
  const results = new Map<string, Load[]>();
  const key = (t: (typeof targets)[number], p: string) => `${t.name}|${t.processes}|${p}`;
  for (let r = 1; r <= rounds; r++) {
    for (const p of paths) {
      for (const t of r % 2 ? targets : [...targets].reverse()) {
        const l = await load(t.url + p, t.pinned, duration, t.pid);
        (results.get(key(t, p)) ?? results.set(key(t, p), []).get(key(t, p))!).push(l);
        const cpu = Number.isFinite(l.cpuPerRequest) ? `, ${l.cpuPerRequest.toFixed(1)} µs CPU per request` : '';
        console.log(`round ${r}/${rounds} ${p} ${t.name} × ${t.processes}: ${Math.round(l.rps)} req/s, p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms${cpu}${l.errors ? `, ${l.errors} errors` : ''}`);
      }
    }
  }

  const table = new Table({
    head: ['path', 'server', 'processes', 'req/s', '÷ bare', 'p50 ms', 'p99 ms', 'CPU µs/request', 'bare\'s CPU ÷ ours', 'errors + non-2xx'],
    style: { head: [], border: [] },
  });
  for (const p of paths) {
    const floor = results.get(key(targets[0]!, p))!;
    for (const t of targets) {
      const runs = results.get(key(t, p))!;
      // Ours ÷ bare of the same round (measured a few seconds apart), then the median of the rounds.
      const ratio = median(runs.map((l, i) => l.rps / floor[i]!.rps));
      // The same comparison in CPU time per request: what one process could serve with a core to itself.
      const cpuRatio = median(runs.map((l, i) => floor[i]!.cpuPerRequest / l.cpuPerRequest));
      const cpu = median(runs.map((l) => l.cpuPerRequest));
      table.push([
        p,
        t.name,
        t.processes,
        Math.round(median(runs.map((l) => l.rps))).toLocaleString('en'),
        t === targets[0] ? '1' : ratio.toFixed(2),
        median(runs.map((l) => l.p50)).toFixed(2),
        median(runs.map((l) => l.p99)).toFixed(2),
        Number.isFinite(cpu) ? cpu.toFixed(1) : '',
        t === targets[0] || !Number.isFinite(cpuRatio) ? '' : cpuRatio.toFixed(2),
        runs.reduce((n, l) => n + l.errors, 0),
      ]);
    }
  }
  console.log(`\ndatalake API benchmark: ${cores} cores, node ${process.version}, ${connections} connections, ${values.tool} on the same machine, median of ${rounds} rounds of ${duration} s`);
  if (pin) console.log(`one-process servers on core ${SERVER_CORE}, their load on core(s) ${LOAD_CORES} (--unpinned: no taskset); ${workers} workers and their load on all cores`);
  console.log(table.toString());
} finally {
  for (const c of children) c.kill('SIGTERM');
  await fs.rm(dir, { recursive: true, force: true });
}
