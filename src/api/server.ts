import cluster from 'node:cluster';
import { checkCron, Scheduler } from '../flows/schedule.js';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { openObjectStore } from '../lake/index.js';
import { lakeReader } from './lake-fallback.js';
import { openServingStore } from '../serving/index.js';
import { buildApp, type AppOptions } from './app.js';
import { answerRateLimits } from './rate-limit-store.js';
import { ApiAuth } from './auth.js';
import { LazyEngine } from './services.js';
import { KpiService } from './kpi-service.js';
import { FreshnessMonitor } from '../ops/freshness-monitor.js';
import { settleAlerts } from '../ops/pending.js';
import { DATALAKE } from '../command-name.js';

/** Opens the stores once for the process (one serving-store connection shared by all requests). */
export async function createApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const serving = openServingStore(config);
  // A bad MONGO_URI stops the server as it starts, not at its first request.
  await serving.open?.();
  const lake = openObjectStore(config);
  const kpis = new KpiService(serving, config.project.kpis);
  const engine = new LazyEngine(config);
  const reader = lakeReader(lake, engine, config.project);
  kpis.enableVersions(reader);
  if (config.server.fallback === 'lake') kpis.enableLakeFallback(reader);
  const app = await buildApp({ config, lake, serving, kpis, auth: new ApiAuth(config.server.apiKeys), engine }, options);
  app.addHook('onClose', async () => {
    await engine.close();
    await serving.close();
  });
  return app;
}

/** Listens on HOST:PORT until SIGINT/SIGTERM; resolves with the address once listening. */
export async function startServer(config: Config): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createApp(config, { logger: true });
  try {
    await app.listen({ port: config.server.port, host: config.server.host });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`port ${config.server.port} is already in use`, 'stop the other server or set PORT to a free port');
    if (code === 'EACCES') throw new UserError(`no permission to listen on port ${config.server.port}`, 'set PORT to a port above 1024');
    if (code === 'EADDRNOTAVAIL') throw new UserError(`HOST ${config.server.host} is not an address of this machine`, 'set HOST to 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its addresses');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UserError(`HOST ${config.server.host} does not resolve to an address`, 'set HOST to an IP address such as 127.0.0.1 or 0.0.0.0');
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  // An alert being delivered (a run started here) gets a moment to be recorded.
  const stop = () => void app.close().then(() => settleAlerts(2000)).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
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
