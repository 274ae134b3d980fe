import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The API under concurrent load while the pipeline republishes in a loop, checking every response:
 * used by test/load.test.ts (short) and `npm run bench:load` (60 s, prints the figures).
 */
const BIN = fileURLToPath(new URL('../../bin/datalake.js', import.meta.url));

export interface Probe {
  path: string;
  /** Why a 200 body is not a complete answer, or undefined when it is. */
  check(body: string): string | undefined;
}

export interface LoadResult {
  requests: number;
  byStatus: Record<number, number>;
  /** Responses that were 5xx or whose body failed its probe's check, with why (first 20). */
  bad: string[];
  badCount: number;
  rps: number;
  p50: number;
  p99: number;
  publishes: number;
  publishFailures: string[];
  /** Resident memory of the server process (MiB), sampled each second. */
  rssMiB: number[];
}

/** `datalake serve [args]` in its own process; resolves with its URL once it listens. */
export async function startServer(env: Record<string, string>, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Dashboard: (http:\/\/[^/\s]+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function publish(env: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'publish', '--full-refresh', '--wait'], { env: { PATH: process.env['PATH'] ?? '', ...env, CI: '1' } }, (err, _stdout, stderr) =>
      resolve(err ? stderr.trim().split('\n').find((l) => l.startsWith('error:')) ?? String(err) : undefined),
    );
  });
}

export async function loadWhileRepublishing(options: { url: string; serverPid: number; env: Record<string, string>; seconds: number; connections: number; probes: Probe[] }): Promise<LoadResult> {
  const end = Date.now() + options.seconds * 1000;
  const latencies: number[] = [];
  const result: LoadResult = { requests: 0, byStatus: {}, bad: [], badCount: 0, rps: 0, p50: 0, p99: 0, publishes: 0, publishFailures: [], rssMiB: [] };
  const flag = (why: string) => {
    result.badCount++;
    if (result.bad.length < 20) result.bad.push(why);
  };
  const client = async (n: number) => {
    for (let i = n; Date.now() < end; i++) {
      const probe = options.probes[i % options.probes.length]!;
      const start = performance.now();
      try {
        const res = await fetch(options.url + probe.path);
        const body = await res.text();
        latencies.push(performance.now() - start);
        result.requests++;
        result.byStatus[res.status] = (result.byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500) flag(`${probe.path} → ${res.status}: ${body.slice(0, 200)}`);
        else if (res.status === 200) {
          const why = probe.check(body);
          if (why) flag(`${probe.path}: ${why}`);
        }
      } catch (err) {
        flag(`${probe.path}: ${String(err)}`);
      }
    }
  };
  const republisher = async () => {
    while (Date.now() < end) {
      const failure = await publish(options.env);
      result.publishes++;
      if (failure) result.publishFailures.push(failure);
    }
  };
  const sampler = async () => {
    while (Date.now() < end) {
      result.rssMiB.push(await rssMiB(options.serverPid));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  const started = performance.now();
  await Promise.all([...Array.from({ length: options.connections }, (_, i) => client(i)), republisher(), sampler()]);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  result.rps = Math.round(result.requests / seconds);
  result.p50 = Math.round(latencies[Math.floor(latencies.length * 0.5)] ?? 0);
  result.p99 = Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0);
  return result;
}

/** Probes of the KPI, explorer and compare endpoints, each checking for the complete published answer. */
export async function standardProbes(url: string): Promise<Probe[]> {
  const reference = async (p: string) => (await fetch(url + p)).text();
  const pays = JSON.stringify((JSON.parse(await reference('/api/ca_par_pays')) as { pays: string }[]).map((r) => r.pays).sort());
  const days = (JSON.parse(await reference('/api/volumes_jour')) as unknown[]).length;
  const distribution = await reference('/api/kpis/distribution');
  // The object holding dim_clients in the current version (publishing again does not change it).
  const dimClients = (JSON.parse(await reference('/api/lake/gold')) as { objects: { key: string; table?: string }[] }).objects.find((o) => o.table === 'gold/dim_clients')!.key;
  return [
    { path: '/api/ca_par_pays', check: (b) => (JSON.stringify((JSON.parse(b) as { pays: string }[]).map((r) => r.pays).sort()) === pays ? undefined : `countries ${b.slice(0, 120)}`) },
    { path: '/api/volumes_jour', check: (b) => ((JSON.parse(b) as unknown[]).length === days ? undefined : `${(JSON.parse(b) as unknown[]).length} days instead of ${days}`) },
    { path: '/api/kpis/distribution', check: (b) => (b === distribution ? undefined : `distribution changed: ${b.slice(0, 120)}`) },
    { path: `/api/lake/gold/preview?key=${dimClients}&limit=20`, check: (b) => ((JSON.parse(b) as { rows: unknown[] }).rows.length === 20 ? undefined : 'preview rows missing') },
    { path: '/api/compare?kpi=ca_par_pays&n=2', check: (b) => ((JSON.parse(b) as { serving_store?: unknown }).serving_store ? undefined : `compare: ${b.slice(0, 120)}`) },
  ];
}
