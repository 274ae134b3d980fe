import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from './config.js';
import { UserError } from './errors.js';

test('API_KEY and API_KEYS give role-tagged keys; a malformed API_KEYS is one clear error', () => {
  const c = loadConfig({ DATA_DIR: '/tmp/x', API_KEY: 'a1', API_KEYS: ' reader:r1 , admin:a2 ' }, { envFile: false });
  assert.deepEqual(c.server.apiKeys, [
    { role: 'admin', key: 'a1' },
    { role: 'reader', key: 'r1' },
    { role: 'admin', key: 'a2' },
  ]);
  assert.deepEqual(loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false }).server.apiKeys, []);
  for (const bad of ['r1', 'owner:k', 'reader:', ':k']) {
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', API_KEYS: bad }, { envFile: false }), (err: unknown) => err instanceof UserError && /role:key pairs/.test(err.message), bad);
  }
});

test('CORS is off unless CORS_ORIGINS lists origins; the rate limit defaults to 120 per minute', () => {
  const off = loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false });
  assert.deepEqual(off.server.corsOrigins, []);
  assert.equal(off.server.rateLimitPerMinute, 120);
  const on = loadConfig({ DATA_DIR: '/tmp/x', CORS_ORIGINS: 'https://a.example, https://b.example', RATE_LIMIT_PER_MINUTE: '0' }, { envFile: false });
  assert.deepEqual(on.server.corsOrigins, ['https://a.example', 'https://b.example']);
  assert.equal(on.server.rateLimitPerMinute, 0);
});

test('an empty setting (PORT=, a blank line of .env) means unset, for every setting: its default, never 0 nor a refusal', () => {
  const defaults = loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false });
  const empty = loadConfig({ DATA_DIR: '/tmp/x', RATE_LIMIT_PER_MINUTE: '', PORT: ' ', TASK_RETRIES: '', ALERT_RETRIES: '', HOST: '', DUCKDB_THREADS: '', LOG_LEVEL: '', MINIO_ENDPOINT: '', MONGO_URI: '', SCHEDULE: '' }, { envFile: false });
  assert.deepEqual(
    [empty.server.rateLimitPerMinute, empty.server.port, empty.retry.retries, empty.alerts.retries, empty.server.host, empty.duckdb.threads, empty.server.logLevel, empty.s3, empty.mongo, empty.schedule],
    [120, 5000, 3, 3, '127.0.0.1', defaults.duckdb.threads, 'info', undefined, undefined, undefined],
  );
  assert.equal(loadConfig({ DATA_DIR: '' }, { envFile: false }).dataDir, path.resolve('data'), 'the built-in shop\'s ./data');
});

test('every setting is checked by its form at start-up: one error naming the variable and the accepted form', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ DUCKDB_MEMORY_LIMIT: 'lots' }, /^invalid setting DUCKDB_MEMORY_LIMIT: "lots" is not valid: a size such as 1GB, 512MB or 2GiB$/],
    [{ DUCKDB_THREADS: 'two' }, /^invalid setting DUCKDB_THREADS: "two" is not valid: expected number/],
    [{ LOG_LEVEL: 'loud' }, /^invalid setting LOG_LEVEL: "loud" is not valid: one of fatal, error, warn, info, debug, trace, silent$/],
    [{ PORT: '70000' }, /^invalid setting PORT: "70000" is not valid/],
    [{ REDIS_URL: 'localhost:6379' }, /^invalid setting REDIS_URL: "localhost:6379" is not valid: a redis:\/\/ URL/],
    [{ MONGO_URI: 'http://user:secret@db' }, /^invalid setting MONGO_URI: "http:\/\/user:\*\*\*@db" is not valid: a mongodb:\/\/ or mongodb\+srv:\/\/ URI/],
    [{ SCHEDULE: '61 * * * *' }, /^invalid setting SCHEDULE: "61 \* \* \* \*" is not valid: a cron expression/],
    [{ CORS_ORIGINS: 'example.com' }, /^invalid setting CORS_ORIGINS: "example.com" is not valid: origins such as/],
    [{ DATALAKE_DEBUG: 'maybe' }, /^invalid setting DATALAKE_DEBUG: "maybe" is not valid: 1 \(or true\) to print the stack traces of unexpected errors, 0 \(or false\) not to$/],
    [{ DATALAKE_PROFILE: '2' }, /^invalid setting DATALAKE_PROFILE: "2" is not valid: 1 to print each SQL statement's time \(full: the statements whole\), 0 not to$/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', ...env }, { envFile: false }), (err: unknown) => err instanceof UserError && message.test(err.message), JSON.stringify(env));
  }
  const threads = os.availableParallelism() * 4;
  assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', DUCKDB_THREADS: String(threads + 1) }, { envFile: false }), (err: unknown) => err instanceof UserError && new RegExp(`^invalid setting DUCKDB_THREADS: "${threads + 1}" is not valid: at most ${threads} \\(4 × the \\d+ cores here\\)`).test(err.message));
  assert.equal(loadConfig({ DATA_DIR: '/tmp/x', DUCKDB_THREADS: String(threads) }, { envFile: false }).duckdb.threads, threads);
  for (const max of ['-5', '0']) {
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', QUALITY_MAX_MONTANT: max }, { envFile: false }), (err: unknown) => err instanceof UserError && err.message === `invalid setting QUALITY_MAX_MONTANT: ${max} is not above 0, and achats.montant must be positive: every row would be quarantined` && /unset it for 10000/.test(err.hint ?? ''));
  }
  assert.deepEqual(loadConfig({ DATA_DIR: '/tmp/x', QUALITY_MAX_MONTANT: '500' }, { envFile: false }).qualitySettings, { QUALITY_MAX_MONTANT: 500 });
  const s3 = { MINIO_ACCESS_KEY: 'a', MINIO_SECRET_KEY: 'b' };
  const endpoints: [string, RegExp][] = [
    ['ftp://x:21', /^invalid MINIO_ENDPOINT "ftp:\/\/x:21": the scheme ftp:\/\/ is not http or https$/],
    ['ht!tp://bad url', /^invalid MINIO_ENDPOINT "ht!tp:\/\/bad url": the scheme ht!tp:\/\/ is not http or https$/],
    ['http://bad host:9000', /^invalid MINIO_ENDPOINT "http:\/\/bad host:9000"$/],
    ['localhost:9000 x', /^invalid MINIO_ENDPOINT "localhost:9000 x"$/],
    ['http://host:99999', /^invalid MINIO_ENDPOINT "http:\/\/host:99999"$/],
  ];
  for (const [endpoint, message] of endpoints) {
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', MINIO_ENDPOINT: endpoint, ...s3 }, { envFile: false }), (err: unknown) => err instanceof UserError && message.test(err.message) && /host:port .* or a full http\(s\):\/\/ URL/.test(err.hint ?? ''), endpoint);
  }
  for (const [endpoint, url] of [['localhost:9000', 'http://localhost:9000'], ['https://s3.example.com/', 'https://s3.example.com']]) {
    assert.equal(loadConfig({ DATA_DIR: '/tmp/x', MINIO_ENDPOINT: endpoint, ...s3 }, { envFile: false }).s3?.endpoint, url);
  }
  for (const [name, value] of [['DATALAKE_DEBUG', 'TRUE'], ['DATALAKE_DEBUG', '0'], ['DATALAKE_PROFILE', 'full'], ['DATALAKE_PROFILE', '0']] as const) {
    assert.doesNotThrow(() => loadConfig({ DATA_DIR: '/tmp/x', [name]: value }, { envFile: false }), `${name}=${value}`);
  }
  const ok = loadConfig({ DATA_DIR: '/tmp/x', DUCKDB_MEMORY_LIMIT: '512MB', LOG_LEVEL: 'warn', REDIS_URL: 'redis://h:6379', SCHEDULE: '0 2 * * *', MONGO_URI: 'mongodb+srv://c.example.net' }, { envFile: false });
  assert.deepEqual([ok.duckdb.memoryLimit, ok.server.logLevel], ['512MB', 'warn']);
});

test('alerts: off without ALERT_WEBHOOK_URL; ALERT_EVENTS picks events, an unknown one names the allowed; the URL is never echoed', () => {
  const off = loadConfig({ DATA_DIR: '/tmp/x' }, { envFile: false });
  assert.equal(off.alerts.webhookUrl, undefined);
  assert.deepEqual(off.alerts.events, ['run_failed', 'audit_failed', 'freshness_warn', 'freshness_error', 'recovered']);
  assert.deepEqual([off.alerts.retries, off.alerts.retryDelayMs, off.alerts.timeoutMs, off.freshnessCheckSeconds], [3, 1000, 5000, 60]);
  const on = loadConfig({ DATA_DIR: '/tmp/x', ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/xyz', ALERT_EVENTS: ' Recovered, run_failed ', FRESHNESS_CHECK_SECONDS: '5' }, { envFile: false });
  assert.equal(on.alerts.webhookUrl, 'https://hooks.example.com/services/T0/B0/xyz');
  assert.deepEqual(on.alerts.events, ['run_failed', 'recovered']);
  assert.equal(on.freshnessCheckSeconds, 5);
  assert.throws(
    () => loadConfig({ DATA_DIR: '/tmp/x', ALERT_EVENTS: 'run_failed,freshness_warning' }, { envFile: false }),
    (err: unknown) =>
      err instanceof UserError &&
      err.message === 'invalid setting ALERT_EVENTS: "freshness_warning" is not an alert event (did you mean "freshness_warn"?)' &&
      err.hint === 'the events are: run_failed, audit_failed, freshness_warn, freshness_error, recovered (separated by commas; unset for all)',
  );
  assert.throws(
    () => loadConfig({ DATA_DIR: '/tmp/x', ALERT_WEBHOOK_URL: 'hooks.example.com/services/secret-token' }, { envFile: false }),
    (err: unknown) => err instanceof UserError && /^invalid setting ALERT_WEBHOOK_URL: an http\(s\):\/\/ URL/.test(err.message) && !err.message.includes('secret-token'),
  );
  assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', FRESHNESS_CHECK_SECONDS: '0' }, { envFile: false }), (err: unknown) => err instanceof UserError && /FRESHNESS_CHECK_SECONDS/.test(err.message));
});
