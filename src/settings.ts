import path from 'node:path';
import os from 'node:os';
import { Cron } from 'croner';
import * as z from './vendor/zod-mini.js';
import { UserError } from './errors.js';
import { closest } from './project/closest.js';
import { SHOP, type Project } from './project/types.js';

/**
 * Every setting comes from the environment (or a `.env` file in the working directory, then one in the
 * project folder), using the seed's variable names so an existing `.env` keeps working.
 */
const text = () => z.string().check(z.trim());
const booleanish = z.pipe(
  z.string().check(
    z.trim(),
    z.toLowerCase(),
    z.refine((v) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(v), 'expected true or false'),
  ),
  z.transform((v) => v === 'true' || v === '1' || v === 'yes'),
);
/** An integer setting between min and max. */
const whole = (min: number, max: number) => z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));

/** A setting's accepted form, said in its error: `invalid setting X: "value" is not ...`. */
const shaped = (test: (v: string) => boolean, form: string) => z.string().check(z.trim(), z.refine((v) => v === '' || test(v), form));
const isUrl = (v: string, schemes: string[]) => {
  try {
    return schemes.includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const isCron = (v: string) => {
  // croner reads a 6th and 7th field as seconds and years: a run every second is no schedule.
  if (v.trim().split(/\s+/).length > 5) return false;
  try {
    new Cron(v, { paused: true });
    return true;
  } catch {
    return false;
  }
};
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** What ALERT_WEBHOOK_URL is told about (ALERT_EVENTS picks some; all by default). */
export const ALERT_EVENTS = ['run_failed', 'audit_failed', 'freshness_warn', 'freshness_error', 'recovered'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** DUCKDB_THREADS above this is a typo or a misunderstanding, not a tuning. */
const MAX_THREADS = 4 * os.availableParallelism();

const EnvSchema = z.object({
  DATA_DIR: z.optional(z.string().check(z.trim(), z.minLength(1))),
  MINIO_ENDPOINT: z.optional(text()),
  /** The seed's README spells it this way; accepted so that its .env works unchanged. */
  MINIO_ENPOINT: z.optional(text()),
  MINIO_ACCESS_KEY: z.optional(z.string()),
  MINIO_SECRET_KEY: z.optional(z.string()),
  MINIO_SECURE: z.optional(booleanish),
  MINIO_REGION: z._default(z.string().check(z.trim(), z.minLength(1)), 'us-east-1'),
  MINIO_MAX_ATTEMPTS: z._default(whole(1, 20), 4),
  SERVING_DB: z.optional(text()),
  MONGO_URI: z.optional(shaped((v) => isUrl(v, ['mongodb:', 'mongodb+srv:']), 'a mongodb:// or mongodb+srv:// URI, e.g. mongodb://localhost:27017')),
  MONGO_DB: z._default(z.string().check(z.trim(), z.minLength(1)), 'datalake'),
  DUCKDB_THREADS: z.optional(z.coerce.number().check(z.int(), z.positive(), z.refine((n) => n <= MAX_THREADS, `at most ${MAX_THREADS} (4 × the ${os.availableParallelism()} cores here): more threads than cores only contend for them`))),
  DUCKDB_MEMORY_LIMIT: z._default(shaped((v) => /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$/i.test(v), 'a size such as 1GB, 512MB or 2GiB'), '1GB'),
  PORT: z._default(whole(0, 65535), 5000),
  HOST: z._default(z.string().check(z.trim(), z.minLength(1)), '127.0.0.1'),
  API_KEY: z.optional(z.string()),
  API_KEYS: z.optional(text()),
  CORS_ORIGINS: z.optional(shaped((v) => v.split(',').map((o) => o.trim()).filter(Boolean).every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'origins such as https://app.example.com, separated by commas')),
  RATE_LIMIT_PER_MINUTE: z._default(whole(0, 1_000_000), 120),
  // One server process per core: measured faster than one (docs/benchmarks.md, API throughput).
  SERVER_WORKERS: z._default(whole(1, 64), Math.min(64, os.availableParallelism())),
  SERVE_FALLBACK: z._default(z.enum(['none', 'lake']), 'none'),
  SCHEDULE: z.optional(shaped(isCron, 'a cron expression such as "0 2 * * *" (minute hour day month weekday)')),
  REDIS_URL: z.optional(shaped((v) => isUrl(v, ['redis:', 'rediss:']), 'a redis:// URL, e.g. redis://localhost:6379')),
  LOG_LEVEL: z._default(z.enum(LOG_LEVELS), 'info'),
  WORKER_LOCK_MS: z._default(whole(200, 600_000), 30_000),
  TASK_RETRIES: z._default(whole(0, 20), 3),
  TASK_RETRY_DELAY_MS: z._default(whole(0, 600_000), 2000),
  ALERT_WEBHOOK_URL: z.optional(shaped((v) => isUrl(v, ['http:', 'https:']), 'an http(s):// URL, such as a Slack or Mattermost incoming webhook')),
  ALERT_EVENTS: z.optional(text()),
  ALERT_RETRIES: z._default(whole(0, 10), 3),
  ALERT_RETRY_DELAY_MS: z._default(whole(0, 60_000), 1000),
  ALERT_TIMEOUT_MS: z._default(whole(100, 60_000), 5000),
  FRESHNESS_CHECK_SECONDS: z._default(whole(1, 86_400), 60),
  // Read where they act (report-error.ts, duckdb.ts), checked here: `DATALAKE_DEBUG=maybe` did nothing, silently.
  DATALAKE_DEBUG: z.optional(shaped((v) => /^(0|1|true|false|yes|no|on|off)$/i.test(v), '1 (or true) to print the stack traces of unexpected errors, 0 (or false) not to')),
  DATALAKE_PROFILE: z.optional(shaped((v) => ['0', '1', 'full'].includes(v), "1 to print each SQL statement's time (full: the statements whole), 0 not to")),
});

export interface S3Settings {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Attempts per request: throttling, 5xx and dropped connections are retried with exponential backoff. */
  maxAttempts?: number;
}

export interface Config {
  /** The definitions: datasets, models, KPIs, dashboard tabs. */
  project: Project;
  dataDir: string;
  /** Where `generate` writes and `start` looks for sample data: the project's sources/ (the built-in shop: $DATA_DIR/sources). */
  sourcesDir: string;
  /** Every folder bronze reads source files from, in order of precedence (those that do not exist are skipped). */
  sourcesDirs: string[];
  /**
   * Names on shared services. The shop keeps the seed's; another project prefixes its buckets,
   * MongoDB database and queues with its name, so that projects can share an S3, a MongoDB and a Redis.
   */
  names: { bucketPrefix: string; queuePrefix: string };
  /** Root of the folder driver: `<dataDir>/lake/<bucket>/<key>`. */
  lakeDir: string;
  /** Working files of a run (DuckDB spill, S3 downloads); removed when the run ends. */
  scratchDir: string;
  s3: S3Settings | undefined;
  servingDbPath: string;
  /** When set, KPIs are served from MongoDB instead of the embedded SQLite file. */
  mongo: { uri: string; db: string } | undefined;
  duckdb: { threads: number; memoryLimit: string };
  server: {
    port: number;
    host: string;
    /** API_KEY (an admin key) and API_KEYS (`role:key` pairs). */
    apiKeys: { role: 'reader' | 'admin'; key: string }[];
    workers: number;
    fallback: 'none' | 'lake';
    /** Origins allowed to call the API from a browser (CORS); none by default. */
    corsOrigins: string[];
    /** Requests per minute and client on the admin and compare endpoints; 0 turns the limit off. */
    rateLimitPerMinute: number;
    logLevel: (typeof LOG_LEVELS)[number];
  };
  /** Settings that quality rules name (`setting:` in datasets/*.yml), when set. */
  qualitySettings: Record<string, number>;
  /** A task failing for a transient reason is retried this many times, after delayMs, 2×, 4×... */
  retry: { retries: number; delayMs: number };
  /** Cron expression on which `datalake serve` runs the whole pipeline. */
  schedule: string | undefined;
  /** When set, runs go through a BullMQ queue on this Redis and `datalake worker` processes execute them. */
  redisUrl: string | undefined;
  /** A worker that has not renewed its job's lock for this long is considered dead; another takes the job. */
  workerLockMs: number;
  /**
   * Alerts (src/alerts/): a JSON POST to `webhookUrl` for each of `events`, each attempt cut after
   * `timeoutMs`, retried `retries` times after `retryDelayMs`, 2×, 4×... No webhook: no alert.
   */
  alerts: { webhookUrl: string | undefined; events: readonly AlertEvent[]; retries: number; retryDelayMs: number; timeoutMs: number };
  /** How often the serving process (or, with Redis, one worker) evaluates the datasets' freshness for alerts. */
  freshnessCheckSeconds: number;
}

/** The settings from the environment, around a loaded project. */
export function buildConfig(env: NodeJS.ProcessEnv, project: Project): Config {
  // `PORT=` (a line of .env left blank, an unset shell variable passed on) means unset, for every
  // setting alike: read as a number it was 0, which turned the rate limit off and picked a random port.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.');
    // Secrets are never echoed; a URI's password is hidden.
    const raw = String(env[name] ?? '').trim();
    // (A webhook URL carries its secret in its path.)
    const shown = /KEY|SECRET|PASSWORD|WEBHOOK/.test(name) ? '' : ` "${redactUrl(raw).slice(0, 80)}" is not valid:`;
    const message = issue.code === 'invalid_value' ? `one of ${issue.values.join(', ')}` : issue.message.replace(/^Invalid input: /, '');
    throw new UserError(`invalid setting ${name}:${shown} ${message}`, 'fix it in the environment or in .env');
  }
  const e = parsed.data;
  e.MINIO_ENDPOINT ||= e.MINIO_ENPOINT;
  // The built-in shop keeps the seed's ./data; a project keeps its data beside its definitions.
  const dataDir = path.resolve(e.DATA_DIR ?? (project.builtIn ? './data' : path.join(project.dir, 'data')));
  const dataSources = path.join(dataDir, 'sources');
  const sourcesDirs = project.builtIn ? [dataSources] : [path.join(project.dir, 'sources'), dataSources];
  const shop = project.name === SHOP;
  return {
    project,
    names: { bucketPrefix: shop ? '' : `${project.name}-`, queuePrefix: shop ? '' : `${project.name}-` },
    dataDir,
    sourcesDir: sourcesDirs[0]!,
    sourcesDirs,
    lakeDir: path.join(dataDir, 'lake'),
    scratchDir: path.join(dataDir, '.scratch'),
    s3: e.MINIO_ENDPOINT ? s3Settings(e) : undefined,
    servingDbPath: path.resolve(e.SERVING_DB ?? path.join(dataDir, 'serving.sqlite')),
    mongo: e.MONGO_URI ? { uri: e.MONGO_URI, db: shop ? e.MONGO_DB : `${project.name}-${e.MONGO_DB}` } : undefined,
    duckdb: { threads: e.DUCKDB_THREADS ?? Math.max(1, os.availableParallelism()), memoryLimit: e.DUCKDB_MEMORY_LIMIT || '1GB' },
    qualitySettings: qualitySettings(project, env),
    retry: { retries: e.TASK_RETRIES, delayMs: e.TASK_RETRY_DELAY_MS },
    schedule: e.SCHEDULE || undefined,
    redisUrl: e.REDIS_URL || undefined,
    workerLockMs: e.WORKER_LOCK_MS,
    alerts: { webhookUrl: e.ALERT_WEBHOOK_URL || undefined, events: alertEvents(e.ALERT_EVENTS), retries: e.ALERT_RETRIES, retryDelayMs: e.ALERT_RETRY_DELAY_MS, timeoutMs: e.ALERT_TIMEOUT_MS },
    freshnessCheckSeconds: e.FRESHNESS_CHECK_SECONDS,
    server: {
      port: e.PORT,
      host: e.HOST,
      apiKeys: apiKeys(e.API_KEY, e.API_KEYS),
      workers: e.SERVER_WORKERS,
      fallback: e.SERVE_FALLBACK,
      corsOrigins: (e.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      logLevel: e.LOG_LEVEL,
    },
  };
}

/** The settings named by quality rules (`setting: QUALITY_MAX_MONTANT`), when set: each must be a number. */
function qualitySettings(project: Project, env: NodeJS.ProcessEnv): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of project.datasets) {
    for (const r of d.rules) {
      if (r.rule !== 'maximum' || !r.setting) continue;
      const raw = env[r.setting]?.trim();
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new UserError(`invalid setting ${r.setting}: "${raw}" is not a number`, `it overrides the maximum of ${d.name}.${r.column} (datasets/${d.name}.yml); fix it in the environment or in .env`);
      // A maximum at or below 0 on a column that must be positive sets every row aside.
      if (n <= 0 && d.rules.some((p) => p.rule === 'positive' && p.column === r.column)) {
        throw new UserError(`invalid setting ${r.setting}: ${raw} is not above 0, and ${d.name}.${r.column} must be positive: every row would be quarantined`, `it overrides the maximum of ${d.name}.${r.column} (datasets/${d.name}.yml); give a positive number, or unset it for ${r.max}`);
      }
      out[r.setting] = n;
    }
  }
  return out;
}

/** ALERT_EVENTS: names separated by commas (all events when unset or empty); an unknown name is an error naming the allowed ones. */
function alertEvents(list: string | undefined): AlertEvent[] {
  const names = (list ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) return [...ALERT_EVENTS];
  for (const n of names) {
    if (!(ALERT_EVENTS as readonly string[]).includes(n)) {
      const close = closest(n, ALERT_EVENTS);
      throw new UserError(`invalid setting ALERT_EVENTS: "${n}" is not an alert event${close ? ` (did you mean "${close}"?)` : ''}`, `the events are: ${ALERT_EVENTS.join(', ')} (separated by commas; unset for all)`);
    }
  }
  return ALERT_EVENTS.filter((e) => names.includes(e));
}

function apiKeys(apiKey: string | undefined, list: string | undefined): Config['server']['apiKeys'] {
  const keys: Config['server']['apiKeys'] = apiKey ? [{ role: 'admin', key: apiKey }] : [];
  for (const entry of (list ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const role = entry.slice(0, at).trim();
    const key = entry.slice(at + 1).trim();
    if (at < 0 || (role !== 'admin' && role !== 'reader') || !key) {
      throw new UserError('API_KEYS must be role:key pairs separated by commas, roles admin or reader', 'for example API_KEYS="admin:<long random key>,reader:<another one>"');
    }
    keys.push({ role, key });
  }
  return keys;
}

function s3Settings(e: z.infer<typeof EnvSchema>): S3Settings {
  const raw = e.MINIO_ENDPOINT!;
  // The seed writes MINIO_ENDPOINT as host:port and says http or https with MINIO_SECURE; a full URL is accepted too.
  const hasScheme = /^https?:\/\//i.test(raw);
  const endpoint = hasScheme ? raw : `${e.MINIO_SECURE ? 'https' : 'http'}://${raw}`;
  const form = 'use host:port (for example localhost:9000) or a full http(s):// URL';
  // Another scheme (ftp://x:21) would otherwise become the host of http://ftp://x:21, and fail only on connect.
  const scheme = /^([^:/]*):\/\//.exec(raw)?.[1];
  if (scheme !== undefined && !hasScheme) throw new UserError(`invalid MINIO_ENDPOINT "${redactUrl(raw)}": ${scheme ? `the scheme ${scheme}:// is not http or https` : 'no scheme before ://'}`, form);
  try {
    if (/\s/.test(raw) || !new URL(endpoint).hostname) throw new Error('no host');
  } catch {
    throw new UserError(`invalid MINIO_ENDPOINT "${redactUrl(raw)}"`, form);
  }
  if (!e.MINIO_ACCESS_KEY || !e.MINIO_SECRET_KEY) {
    throw new UserError('MINIO_ENDPOINT is set but MINIO_ACCESS_KEY or MINIO_SECRET_KEY is missing', 'set both in the environment or in .env');
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    accessKeyId: e.MINIO_ACCESS_KEY,
    secretAccessKey: e.MINIO_SECRET_KEY,
    region: e.MINIO_REGION,
    maxAttempts: e.MINIO_MAX_ATTEMPTS,
  };
}

/** A service URL with its password hidden, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
