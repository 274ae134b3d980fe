import cluster from 'node:cluster';
import { checkCron, Scheduler } from '../flows/schedule.js';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Project } from '../project/types.js';
import { UserError } from '../errors.js';
import { openObjectStore } from '../lake/index.js';
import { lakeReader } from './lake-fallback.js';
import { openServingStore } from '../serving/index.js';
import { buildApp, serverLogger, type AppOptions } from './app.js';
import { listenOn, type Listening } from './listen.js';
import { LiveApp, type Served } from './live-app.js';
import { liveProject } from './project-watch.js';
import { answerRateLimits } from './rate-limit-store.js';
import { ApiAuth } from './auth.js';
import { LazyEngine, type ApiServices } from './services.js';
import { KpiService } from './kpi-service.js';
import { FreshnessMonitor } from '../ops/freshness-monitor.js';
import { settleAlerts } from '../ops/pending.js';
import { DATALAKE } from '../command-name.js';

/** What a server's apps share for the life of the process: the stores, DuckDB, the keys. */
interface Shared {
  services: Pick<ApiServices, 'lake' | 'serving' | 'auth' | 'engine'>;
  close(): Promise<void>;
}

/** Opens the stores once for the process (one serving-store connection shared by all requests). */
async function openShared(config: Config): Promise<Shared> {
  const serving = openServingStore(config);
  // A bad MONGO_URI stops the server as it starts, not at its first request.
  await serving.open?.();
  const engine = new LazyEngine(config);
  return {
    services: { serving, lake: openObjectStore(config), auth: new ApiAuth(config.server.apiKeys), engine },
    close: async () => {
      await engine.close();
      await serving.close();
    },
  };
}

/** The app of one state of the project's definitions (its KPI routes, OpenAPI document, dashboard list), on the shared services. */
function appFor(config: Config, shared: Shared, project: Project, options: AppOptions): Promise<FastifyInstance> {
  const { serving, lake, engine } = shared.services;
  const kpis = new KpiService(serving, project.kpis);
  const reader = lakeReader(lake, engine, project);
  kpis.enableVersions(reader);
  if (config.server.fallback === 'lake') kpis.enableLakeFallback(reader);
  return buildApp({ ...shared.services, config: { ...config, project }, kpis }, options);
}

/** The app of the project as the config holds it, with stores of its own (closed with it): tests, `datalake openapi`. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const shared = await openShared(config);
  const app = await appFor(config, shared, config.project, options);
  app.addHook('onClose', () => shared.close());
  return app;
}

/**
 * Listens on HOST:PORT until SIGINT/SIGTERM; resolves with the address once listening. The app serving
 * follows the project's definitions (live-app.ts): a KPI file added or changed is served, with its route
 * and OpenAPI schema, within a second of the change and without a restart. `close` stops it all.
 */
export async function startServer(config: Config): Promise<{ url: string; close: () => Promise<void>; live: LiveApp<Project> }> {
  const shared = await openShared(config);
  const log = serverLogger(config.server.logLevel, { logger: true });
  let live: LiveApp<Project>;
  try {
    live = await LiveApp.start<Project>({
      current: () => liveProject(config.project),
      signature: definitionsSignature,
      describe: describeKpiChanges,
      build: async (project) => {
        const app = await appFor(config, shared, project, { logger: true, log });
        await app.ready();
        // Fastify's handler, with what app.ts put before its router.
        const [handle] = app.server.listeners('request') as Served['handle'][];
        return { handle: handle!, close: () => app.close() };
      },
      log: { info: (m) => log.info(m), error: (m) => log.error(m) },
    });
  } catch (err) {
    await shared.close();
    throw err;
  }
  let listening: Listening;
  try {
    listening = await listenOn(config.server.host, config.server.port, live.handle);
  } catch (err) {
    await live.close();
    await shared.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`port ${config.server.port} is already in use`, 'stop the other server or set PORT to a free port');
    if (code === 'EACCES') throw new UserError(`no permission to listen on port ${config.server.port}`, 'set PORT to a port above 1024');
    if (code === 'EADDRNOTAVAIL') throw new UserError(`HOST ${config.server.host} is not an address of this machine`, 'set HOST to 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its addresses');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UserError(`HOST ${config.server.host} does not resolve to an address`, 'set HOST to an IP address such as 127.0.0.1 or 0.0.0.0');
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const close = () =>
    (stopping ??= (async () => {
      // The apps first: a request arriving on an open connection meanwhile gets the closing app's 503.
      const apps = live.close();
      await listening.close();
      await apps;
      await shared.close();
    })());
  const port = listening.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  // An alert being delivered (a run started here) gets a moment to be recorded.
  const stop = () => void close().then(() => settleAlerts(2000)).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close, live };
}

/** What an app is built from: the whole of the definitions (KPIs, tabs, datasets, models for the runs it starts). */
function definitionsSignature(project: Project): string {
  return JSON.stringify({ ...project, sqlOrigins: undefined, lines: undefined });
}

/** `KPI added: x; changed: y` for the log, or what else changed. */
function describeKpiChanges(before: Project, after: Project): string {
  const was = new Map(before.kpis.map((k) => [k.id, JSON.stringify(k)]));
  const now = new Map(after.kpis.map((k) => [k.id, JSON.stringify(k)]));
  const added = [...now.keys()].filter((k) => !was.has(k));
  const removed = [...was.keys()].filter((k) => !now.has(k));
  const changed = [...now.keys()].filter((k) => was.has(k) && was.get(k) !== now.get(k));
  const parts = [added.length ? `KPIs added: ${added.join(', ')}` : '', changed.length ? `KPIs changed: ${changed.join(', ')}` : '', removed.length ? `KPIs removed: ${removed.join(', ')}` : ''].filter(Boolean);
  return parts.length ? parts.join('; ') : 'datasets, models or tabs';
}

/**
 * Serves with SERVER_WORKERS processes (node:cluster, one shared port): one Node process uses one
 * core, so a machine's cores serve more requests with one worker each. Resolves with the URL once
 * every worker listens; a worker that dies is replaced.
 */
export async function serve(config: Config): Promise<string> {
  if (config.schedule) checkCron(config.schedule);
  const url = config.server.workers <= 1 ? (await startServer(config)).url : await serveWithWorkers(config);
  // Schedules fire in this process only (the cluster's primary), never once per worker; in distributed
  // mode the workers put them on the run queue instead. Armed once the server listens: a server that
  // cannot start (a port taken) exits, leaving no process behind to start runs.
  if (config.redisUrl) console.log(`[scheduler] REDIS_URL is set: schedules are fired by the workers (\`${DATALAKE} worker\`)`);
  else await new Scheduler(config, openObjectStore(config), (m) => console.log(`[scheduler] ${m}`)).start();
  // Freshness alerts: evaluated here, once for the cluster, like the schedules (with Redis: by one worker).
  if (FreshnessMonitor.needed(config)) {
    if (config.redisUrl) console.log(`[freshness] REDIS_URL is set: freshness alerts are evaluated by one worker (\`${DATALAKE} worker\`)`);
    else new FreshnessMonitor(config, openObjectStore(config), { log: (m) => console.log(`[freshness] ${m}`) }).start();
  }
  return url;
}

async function serveWithWorkers(config: Config): Promise<string> {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.js', import.meta.url)), args: [], silent: false });
  // The rate limit counts per client across the workers: they ask this process.
  answerRateLimits();
  let stopping = false;
  let started = false;
  // The workers find the project as this process did: `--project` is this process's argument only.
  const fork = () => cluster.fork(config.project.builtIn ? {} : { DATALAKE_PROJECT: config.project.dir });
  const killAll = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  const ready = new Promise<string>((resolve, reject) => {
    // A worker that cannot start (port taken, bad HOST) says why: the others cannot either, and none is restarted.
    const fail = (error: UserError) => {
      if (stopping) return;
      stopping = true;
      killAll();
      reject(error);
    };
    let listening = 0;
    cluster.on('message', (_worker, message: { url?: string; error?: string; hint?: string }) => {
      if (message.error && !started) fail(new UserError(message.error, message.hint));
      if (message.url && ++listening === config.server.workers) {
        started = true;
        resolve(message.url);
      }
    });
    cluster.on('exit', (worker, code) => {
      if (stopping) return;
      // (Its message saying why, if any, may still be on its way.)
      if (!started) return void setTimeout(() => fail(new UserError(`server worker ${worker.process.pid} exited with ${code} before listening`)), 200);
      console.error(`server worker ${worker.process.pid} exited with ${code}; starting another`);
      fork();
    });
  });
  const stop = () => {
    stopping = true;
    killAll();
    void settleAlerts(2000).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (let i = 0; i < config.server.workers; i++) fork();
  return ready;
}
