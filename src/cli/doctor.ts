import fs from 'node:fs/promises';
import net from 'node:net';
import duckdb from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { redactUrl, type Config } from '../settings.js';
import { errorMessage, UserError } from '../errors.js';
import { BUCKETS, currentVersion, listVersions, openObjectStore } from '../lake/index.js';
import { LazyS3ObjectStore } from '../lake/lazy-s3.js';
import { isSourceFileName } from '../lake/keys.js';
import { listRuns } from '../flows/record.js';
import { assessResume } from '../flows/resume.js';
import { VACUUM_DEFAULTS, vacuumLake } from '../maintenance/vacuum.js';
import { readStates } from '../pipeline/states.js';
import { openServingStore } from '../serving/index.js';
import { humanBytes } from './format.js';
import { interruptedRun } from './stopped-runs.js';
import { MongoServingStore } from '../serving/mongo.js';
import { SqliteServingStore } from '../serving/sqlite.js';
import { lastAlert, maskWebhook } from '../ops/alerts.js';
import { describeFreshness, readFreshness, type FreshnessReport } from '../ops/freshness.js';
import { makeFolder } from '../folders.js';
import { DATALAKE } from '../command-name.js';
import { unmatchedSources } from './unmatched-sources.js';

export interface Check {
  area: string;
  ok: boolean;
  /** What was found (ok) or what is wrong (not ok). */
  detail: string;
  /** One line saying what to do, for a problem (or a warning). */
  fix?: string;
  /** Works, but needs a look (a dataset past warn_after, the last alert not delivered): shown ⚠, not counted as a problem. */
  warning?: boolean;
}

async function check(area: string, fn: () => Promise<string>, fix?: (err: unknown) => string): Promise<Check> {
  try {
    return { area, ok: true, detail: await fn() };
  } catch (err) {
    const hint = err instanceof UserError ? err.hint : undefined;
    return { area, ok: false, detail: errorMessage(err), fix: hint ?? fix?.(err) ?? 'see the message above' };
  }
}

/**
 * `datalake doctor`: the mode of each part (embedded or service) and a live check of each configured
 * service, with one line saying how to fix each problem.
 */
export async function runDoctor(config: Config): Promise<{ mode: Record<string, string>; checks: Check[] }> {
  const mode = {
    project: config.project.builtIn ? `${config.project.name} (built-in example; --project or DATALAKE_PROJECT to use your own)` : `${config.project.name} at ${config.project.dir}`,
    lake: config.s3 ? `S3 at ${config.s3.endpoint} (region ${config.s3.region}, path-style)` : `embedded folder ${config.lakeDir}`,
    serving: config.mongo ? `MongoDB (database ${config.mongo.db})` : `embedded SQLite ${config.servingDbPath}`,
    orchestration: process.env['REDIS_URL'] ? 'distributed: runs are queued on Redis (BullMQ) and executed by `datalake worker` processes' : 'in-process',
    alerts: config.alerts.webhookUrl
      ? `webhook ${maskWebhook(config.alerts.webhookUrl)} on ${config.alerts.events.join(', ')}; freshness checked every ${config.freshnessCheckSeconds} s by ${config.redisUrl ? 'one worker' : '`datalake serve`'}`
      : 'off (set ALERT_WEBHOOK_URL to be told of failed runs and stale datasets)',
  };
  const checks: Check[] = [];

  checks.push(
    await check('node', async () => {
      const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
      if (major < 20 || (major === 20 && minor < 19)) throw new UserError(`Node.js ${process.versions.node} is too old`, 'install Node.js 20.19 or newer');
      return `Node.js ${process.versions.node}, DuckDB ${duckdb.version()}`;
    }),
  );

  checks.push(
    await check('sources', async () => {
      const parts: string[] = [];
      for (const dir of config.sourcesDirs) {
        const files = (await fs.readdir(dir).catch(() => undefined))?.filter(isSourceFileName);
        if (files) parts.push(`${dir}: ${files.length} source file(s)${files.length ? ` (${files.join(', ')})` : ''}`);
      }
      if (!parts.length) return `${config.sourcesDir} does not exist yet (${config.project.builtIn ? 'npm start or `datalake generate` creates sample data' : 'put the source files there'})`;
      return parts.join('; ');
    }),
  );
  checks.push(...(await unmatchedSources(config)));

  checks.push(
    await check('lake', async () => {
      const lake = openObjectStore(config);
      const status = await lake.bucketStatus();
      const missing = BUCKETS.filter((b) => !status[b]);
      if (!config.s3) {
        await makeFolder(config.lakeDir);
        await fs.access(config.lakeDir, fs.constants.W_OK);
      }
      return `${lake.description} reachable; buckets ${BUCKETS.map((b) => `${b}${status[b] ? '' : ' (missing: the next run creates it)'}`).join(', ')}${missing.length ? '' : ' present'}`;
    }, () => (config.s3 ? 'check MINIO_ENDPOINT, MINIO_SECURE, MINIO_ACCESS_KEY and MINIO_SECRET_KEY' : 'check DATA_DIR and its permissions')),
  );

  // The versions are read from the lake: only worth checking once the lake answers. The checks that
  // read it after them need it read, not the store to follow it (a run killed before its publish).
  let lakeRead = false;
  if (checks.at(-1)?.ok) checks.push(
    await check('versions', async () => {
      const lake = openObjectStore(config);
      // A new lake (no bucket yet): nothing to read, and no bucket to probe conditional writes in.
      const fresh = !(await lake.bucketStatus()).runs;
      const versions = fresh ? [] : await listVersions(lake);
      const current = fresh ? undefined : await currentVersion(lake);
      lakeRead = true;
      if (fresh) return 'no version committed yet (the first run makes the buckets)';
      // How a commit is kept from happening twice: an exclusive create on a folder, If-None-Match on S3.
      const guard =
        lake instanceof LazyS3ObjectStore
          ? (await lake.conditionalWrites())
            ? 'commits use conditional writes (If-None-Match): a version can be committed once only'
            : 'this S3 server ignores conditional writes (If-None-Match): commits rely on the lake lock, so every writer must go through datalake'
          : 'commits are exclusive file creations on the folder: a version can be committed once only';
      if (!current) return `no version committed yet; ${guard}`;
      const serving = openServingStore(config);
      try {
        const published = (await serving.lastPublish())?.data?.version;
        const now = `version ${current.version}, ${versions.length} version${versions.length === 1 ? '' : 's'} kept (committed ${current.committedAt} by run ${current.runId}, audit ${current.audit})`;
        if (published !== current.version) {
          // A version without a table for a KPI added since (a rollback made before rollbacks checked it) cannot be published as it is.
          const gold = (await readStates(lake, config.project, current)).gold;
          const absent = gold ? config.project.kpis.filter((k) => !gold.objects[k.table]?.length).map((k) => k.id) : [];
          const fix = absent.length ? `version ${current.version} has no gold table for KPI ${absent.join(', ')}: run \`${DATALAKE} gold\` to build it from that version's data, then \`${DATALAKE} publish\`` : `run \`${DATALAKE} publish\` to bring the store to the lake version`;
          throw new UserError(`the serving store shows version ${published ?? 'none'} while the lake is at ${now}`, fix);
        }
        return `${now}, published; ${guard}`;
      } finally {
        await serving.close();
      }
    }),
  );

  // What vacuum and compact would do with their defaults: the space old versions hold, the small files.
  if (lakeRead) checks.push(
    await check('lake upkeep', async () => {
      const lake = openObjectStore(config);
      const plan = await vacuumLake(lake, { ...VACUUM_DEFAULTS, dryRun: true });
      const silver = (await readStates(lake, config.project)).silver;
      const several = Object.entries(silver?.datasets ?? {}).flatMap(([d, s]) => Object.entries(s.partitions).filter(([, keys]) => keys.length > 1).map(([p, keys]) => ({ d, p, files: keys.length })));
      const vacuum = plan.deletions.length
        ? `\`datalake vacuum\` (keep 10 versions and 30 days) would free ${humanBytes(plan.bytes)} in ${plan.deletions.length} objects`
        : 'nothing for `datalake vacuum` to delete (it keeps 10 versions and 30 days)';
      const compact = several.length
        ? `${several.length} partition(s) of silver made of several files (${several.reduce((n, x) => n + x.files, 0)} files, most ${Math.max(...several.map((x) => x.files))} in ${several.sort((a, b) => b.files - a.files)[0]!.d} ${several[0]!.p}): \`datalake compact\` joins them`
        : 'every silver partition is one file';
      return `${humanBytes(plan.keptBytes + plan.bytes)} in the lake's layers; ${vacuum}; ${compact}`;
    }),
  );

  // The newest run still recorded as running while no live process holds the lake: it was killed.
  if (lakeRead) {
    const stopped = await interruptedRun(config).catch(() => undefined);
    if (stopped) checks.push({ area: 'runs', ok: true, warning: true, ...stopped });
  }

  // Files waiting whole in quarantine (a required column missing): their rows are in no table until fixed.
  if (lakeRead) {
    const waiting = await readStates(openObjectStore(config), config.project).then((s) => Object.values(s.silver?.waiting ?? {}), (err: unknown) => err);
    if (Array.isArray(waiting)) {
      checks.push(
        waiting.length
          ? { area: 'quarantine', ok: true, warning: true, detail: `${waiting.length} file${waiting.length > 1 ? 's' : ''} waiting whole, not merged: ${waiting.map((w) => w.reason).join('; ')}`, fix: 'fix the file and send it again under its name (or change the definition): the next run merges it' }
          : { area: 'quarantine', ok: true, detail: 'no file waits whole in quarantine' },
      );
    } else checks.push({ area: 'quarantine', ok: false, detail: errorMessage(waiting), fix: 'see the message above' });
  }

  // Each dataset's age against its SLA, from the current version's manifest.
  if (checks.find((c) => c.area === 'lake')?.ok) {
    let report: FreshnessReport | undefined;
    const freshness = await check('freshness', async () => {
      report = await readFreshness(openObjectStore(config), config.project);
      const late = report.datasets.filter((d) => d.state === 'error');
      if (late.length) throw new UserError(report.datasets.map(describeFreshness).join('; '), `new files of ${late.map((d) => d.dataset).join(', ')} have not arrived: check what exports them to the sources, then run \`${DATALAKE} run\``);
      return report.datasets.map(describeFreshness).join('; ');
    });
    if (freshness.ok && report?.state === 'warn') Object.assign(freshness, { warning: true, fix: 'a dataset is past warn_after: its next file is late, check what exports it' });
    checks.push(freshness);
  }

  if (config.alerts.webhookUrl && checks.find((c) => c.area === 'lake')?.ok) {
    let last: Awaited<ReturnType<typeof lastAlert>>;
    const alerts = await check('alerts', async () => {
      last = await lastAlert(openObjectStore(config));
      if (!last) return 'no alert sent yet';
      return `last: ${last.event}${last.dataset ? ` (${last.dataset})` : ''}${last.runId ? ` (run ${last.runId})` : ''} at ${last.at}, ${last.status} after ${last.attempts} attempt(s)${last.error ? `: ${last.error}` : ''}`;
    });
    if (alerts.ok && last?.status === 'failed') Object.assign(alerts, { warning: true, fix: 'check ALERT_WEBHOOK_URL and that its receiver is up (every delivery is in runs/_alerts/)' });
    checks.push(alerts);
  }

  // The newest run, when it failed or was cancelled: whether `run --resume` can continue it.
  if (checks.find((c) => c.area === 'lake')?.ok) {
    const lake = openObjectStore(config);
    const [newest] = await listRuns(lake, 1).catch(() => []);
    if (newest && (newest.state === 'failed' || newest.state === 'cancelled')) {
      const at = `${newest.flow} run ${newest.runId} ${newest.state}${newest.error?.task ? ` in task ${newest.error.task}` : ''} (${newest.endedAt ?? newest.startedAt})`;
      // A quality rule failed (QualityError): its cause is in a source file or a definition, whose fix a resume refuses.
      const byRule = newest.error?.message.startsWith('quality check failed: ') === true;
      const resumable = byRule ? `${at}: a quality rule failed on the data` : await assessResume(config, lake, newest.runId, { underLock: false }).then(
        ({ point }) =>
          point?.tasks.length
            ? `${at}: \`${DATALAKE} run --resume ${newest.runId}\` continues it from where it stopped, reusing ${point.tasks.map((t) => t.name).join(', ')}`
            : `${at}: it finished no task, so a new run (\`${DATALAKE} run\`) is as good as a resume`,
        (err: unknown) => `${at}; ${errorMessage(err)}`,
      );
      checks.push({ area: 'last run', ok: true, warning: true, detail: resumable, fix: newest.error?.hint ?? `see \`${DATALAKE} runs ` + newest.runId + '`' });
    }
  }

  checks.push(
    await check('serving store', async () => {
      if (config.mongo) {
        const serving = new MongoServingStore(config.mongo.uri, config.mongo.db);
        try {
          const version = await serving.serverVersion();
          const last = await serving.lastPublish();
          return `${serving.description}: MongoDB ${version}; last publish ${last ? `${last.publishedAt} (run ${last.runId})` : 'none yet'}`;
        } finally {
          await serving.close();
        }
      }
      const serving = new SqliteServingStore(config.servingDbPath);
      try {
        const last = await serving.lastPublish();
        const version = (new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
        return `${serving.description}: SQLite ${version}; last publish ${last ? `${last.publishedAt} (run ${last.runId})` : `none yet (run \`${DATALAKE} run\`)`}`;
      } finally {
        await serving.close();
      }
    }),
  );

  const p = config.project;
  checks.push(
    await check('project', async () => `${p.name} (${p.builtIn ? 'the built-in example' : p.dir}): datasets ${p.datasets.map((d) => d.name).join(', ')}; models ${p.models.map((m) => m.name).join(', ') || 'none'}; KPIs ${p.kpis.map((k) => k.id).join(', ')}`),
  );

  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl) {
    checks.push(
      await check('redis', async () => `${redactUrl(redisUrl)} answers PING`, () => 'start Redis or fix REDIS_URL'),
    );
    const last = checks[checks.length - 1]!;
    if (last.ok) await pingRedis(redisUrl).catch((err: unknown) => Object.assign(last, { ok: false, detail: errorMessage(err), fix: 'start Redis or fix REDIS_URL' }));
  }
  return { mode, checks };
}

export function renderDoctor(result: { mode: Record<string, string>; checks: Check[] }): string {
  const lines = ['mode:'];
  for (const [k, v] of Object.entries(result.mode)) lines.push(`  ${k.padEnd(14)} ${v}`);
  lines.push('checks:');
  for (const c of result.checks) {
    lines.push(`  ${c.ok ? (c.warning ? '⚠' : '✔') : '✖'} ${c.area.padEnd(14)} ${c.detail}`);
    if ((!c.ok || c.warning) && c.fix) lines.push(`    fix: ${c.fix}`);
  }
  const problems = result.checks.filter((c) => !c.ok).length;
  const warnings = result.checks.filter((c) => c.ok && c.warning).length;
  lines.push(`${problems ? `${problems} problem(s) found` : 'all good'}${warnings ? `, ${warnings} warning(s)` : ''}`);
  return lines.join('\n');
}

/** A PING in Redis's own protocol, so that the check needs no client library. */
async function pingRedis(url: string): Promise<void> {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new UserError(`REDIS_URL must start with redis:// (got ${u.protocol})`);
  const socket = net.connect(Number(u.port || 6379), u.hostname);
  socket.setTimeout(3000);
  try {
    await new Promise<void>((resolve, reject) => {
      let answer = '';
      socket.once('connect', () => {
        if (u.password) socket.write(`AUTH ${u.username ? `${decodeURIComponent(u.username)} ` : ''}${decodeURIComponent(u.password)}\r\n`);
        socket.write('PING\r\n');
      });
      socket.on('data', (d) => {
        answer += d.toString();
        if (answer.includes('+PONG')) resolve();
        else if (answer.startsWith('-')) reject(new UserError(`Redis at ${redactUrl(url)} refused: ${answer.trim()}`));
      });
      socket.once('timeout', () => reject(new UserError(`Redis at ${redactUrl(url)} did not answer within 3 s`)));
      socket.once('error', (err) => reject(new UserError(`cannot reach Redis at ${redactUrl(url)}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    });
  } finally {
    socket.destroy();
  }
}
