import assert from 'node:assert/strict';
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
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', ...env }, { envFile: false }), (err: unknown) => err instanceof UserError && message.test(err.message), JSON.stringify(env));
  }
  const ok = loadConfig({ DATA_DIR: '/tmp/x', DUCKDB_MEMORY_LIMIT: '512MB', LOG_LEVEL: 'warn', REDIS_URL: 'redis://h:6379', SCHEDULE: '0 2 * * *', MONGO_URI: 'mongodb+srv://c.example.net' }, { envFile: false });
  assert.deepEqual([ok.duckdb.memoryLimit, ok.server.logLevel], ['512MB', 'warn']);
});
