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
