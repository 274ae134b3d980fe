import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/api/server.js';
import type { Config } from '../../src/config.js';
import { generate } from '../../src/generate/generator.js';
import http from 'node:http';
import { startServer } from '../support/load.js';
import { runPipeline } from '../support/run.js';
import { FIXED_DAY, tempConfig } from '../support/env.js';


describe('API protections: security headers, CORS, body size, rate limit', () => {
  let config: Config;
  let env: Record<string, string>;
  before(async () => {
    ({ config, env } = await tempConfig({ CORS_ORIGINS: 'https://ok.example, https://also.example', RATE_LIMIT_PER_MINUTE: '5' }));
    await generate({ outDir: config.sourcesDir, clients: 30, achats: 300, seed: 2, asOf: FIXED_DAY });
    await runPipeline({ config });
  });
  after(async () => {
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('security headers everywhere; a strict Content-Security-Policy except on the third-party UIs', async () => {
    const app = await createApp(config);
    try {
      for (const url of ['/', '/api/ca_par_pays', '/api/nope', '/docs']) {
        const r = await app.inject({ url });
        assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
        assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN', url);
        assert.equal(r.headers['x-powered-by'], undefined, url);
        const csp = String(r.headers['content-security-policy'] ?? '');
        if (url === '/docs') assert.equal(csp, '', 'Swagger UI runs inline scripts');
        else {
          assert.match(csp, /default-src 'self'/, url);
          assert.match(csp, /script-src 'self'/, url);
          assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'plain HTTP on a laptop keeps working');
        }
      }
    } finally {
      await app.close();
    }
  });

  test('CORS: only the configured origins, and none by default', async () => {
    const app = await createApp(config);
    const closed = await createApp({ ...config, server: { ...config.server, corsOrigins: [] } });
    try {
      const ok = await app.inject({ url: '/api/ca_par_pays', headers: { origin: 'https://also.example' } });
      assert.equal(ok.headers['access-control-allow-origin'], 'https://also.example');
      const other = await app.inject({ url: '/api/ca_par_pays', headers: { origin: 'https://evil.example' } });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      const preflight = await app.inject({ method: 'OPTIONS', url: '/api/runs', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://ok.example');
      const off = await closed.inject({ url: '/api/ca_par_pays', headers: { origin: 'https://ok.example' } });
      assert.equal(off.headers['access-control-allow-origin'], undefined);
    } finally {
      await app.close();
      await closed.close();
    }
  });

  test('a body over 64 KiB is a 413 JSON error', async () => {
    const app = await createApp(config);
    try {
      const r = await app.inject({ method: 'POST', url: '/api/runs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ flow: 'x'.repeat(70_000) }) });
      assert.equal(r.statusCode, 413);
      assert.equal(r.json().statusCode, 413);
      assert.equal(r.json().code, 'body_too_large');
      assert.match(r.json().message, /^the body is too large: send a JSON object of at most 64 KiB/);
    } finally {
      await app.close();
    }
  });

  test('a body refused says what to send: its type, JSON, no __proto__ key', async () => {
    // (Without the rate limit of 5 POSTs a minute set here for the test below.)
    const app = await createApp({ ...config, server: { ...config.server, rateLimitPerMinute: 0 } });
    const post = (contentType: string, payload: string) => app.inject({ method: 'POST', url: '/api/runs', headers: { 'content-type': contentType }, payload });
    try {
      const xml = await post('application/xml', '<flow/>');
      assert.deepEqual([xml.statusCode, xml.json().code, xml.json().error], [415, 'unsupported_media_type', 'Unsupported Media Type']);
      assert.match(xml.json().message, /content-type application\/xml is not read: send a JSON object with content-type: application\/json/);
      // Text is no JSON either, even when it reads as JSON: the type is what is wrong (it was a 400 "must be object").
      for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const r = await post(type, '{"flow":"pipeline"}');
        assert.deepEqual([r.statusCode, r.json().code], [415, 'unsupported_media_type'], type);
        assert.equal(r.json().message, `a body of content-type ${type.split(';')[0]} is not read: send a JSON object with content-type: application/json`);
      }
      // A body that is JSON but not what the route takes names the field, and the fields it takes.
      const unknown = await post('application/json', '{"flows":"pipeline"}');
      assert.deepEqual([unknown.statusCode, unknown.json().code, unknown.json().error], [400, 'bad_parameter', 'Bad Request']);
      assert.equal(unknown.json().message, 'unknown body field "flows": the body takes flow, full_refresh, resume');
      assert.equal((await post('application/json', '{"full_refresh":"yes"}')).json().message, 'invalid body field "full_refresh": must be boolean');
      // Valid JSON with a key that would reach the prototype: said so, not "not valid JSON".
      const proto = await post('application/json', '{"flow":"pipeline","__proto__":{"x":1}}');
      assert.deepEqual([proto.statusCode, proto.json().code], [400, 'bad_parameter']);
      assert.equal(proto.json().message, 'the body\'s key "__proto__" is not allowed: remove it');
      const ctor = await post('application/json', '{"flow":"pipeline","x":[{"constructor":{"prototype":{}}}]}');
      assert.match(ctor.json().message, /key "constructor.prototype" is not allowed/);
      const broken = await post('application/json', '{"flow":');
      assert.equal(broken.statusCode, 400);
      assert.match(broken.json().message, /^the body is not valid JSON \(.+\): send a JSON object/);
      assert.equal((await post('application/json', '[[[[' + '['.repeat(60_000))).statusCode, 400);
    } finally {
      await app.close();
    }
  });

  test('a path with an empty, "." or ".." segment, plain or percent-encoded, is a 400 JSON error, never a route or a file it would resolve to', async () => {
    const app = await createApp(config);
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      // As sent: fetch() and inject() resolve `..` before the request leaves.
      const raw = (path: string) =>
        new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
          });
          req.on('error', reject).end();
        });
      const cases: [string, string][] = [
        ['//api/kpis', 'ask for the path itself, such as /api/kpis'],
        ['//api/ca_par_pays', 'such as /api/ca_par_pays'],
        ['/api//kpis', 'such as /api/kpis'],
        ['/api/../health', 'such as /health'],
        ['/api/./health', 'such as /api/health'],
        ['/api/%2e%2e/health', 'such as /health'],
        ['/api/%2E%2E/%2E%2E/etc/passwd', 'such as /etc/passwd'],
        ['/..%2f..%2fpackage.json', 'such as /package.json'],
        ['/assets/..%5c..%5cpackage.json', 'such as /package.json'],
        ['/../../../etc/passwd', 'such as /etc/passwd'],
        ['/docs/static/../../../package.json', 'such as /package.json'],
        ['/api/kpis/..%2f..%2fhealth?x=1', 'such as /health'],
        ['/api/lake/sources/..', 'such as /api/lake'],
      ];
      for (const [path, hint] of cases) {
        const r = await raw(path);
        assert.equal(r.status, 400, `${path}: ${r.body.slice(0, 200)}`);
        assert.match(r.type, /^application\/json/, path);
        const body = JSON.parse(r.body) as { statusCode: number; code: string; error: string; message: string };
        assert.deepEqual([body.statusCode, body.code, body.error], [400, 'bad_parameter', 'Bad Request'], path);
        assert.ok(body.message.startsWith(`invalid path ${JSON.stringify(path.split('?')[0])}: `) && body.message.includes(hint), `${path}: ${body.message}`);
        assert.doesNotMatch(r.body, /"name":\s*"datalake"|root:/, 'no file from outside');
      }
      // What is fine stays fine: a trailing slash, a dot in a name, an encoded character.
      for (const [path, status] of [['/health', 200], ['/docs/', 200], ['/.well-known/x', 404], ['/api/kpis/ca%5Fpar%5Fpays', 200]] as const) assert.equal((await raw(path)).status, status, path);
    } finally {
      await app.close();
    }
  });

  test('compare and admin endpoints are limited per client (429 JSON with Retry-After); KPI reads are not', async () => {
    const app = await createApp(config);
    try {
      const from = (ip: string) => ({ url: '/api/compare?kpi=ca_par_pays&n=2', remoteAddress: ip });
      for (let i = 0; i < 5; i++) assert.equal((await app.inject(from('10.0.0.1'))).statusCode, 200);
      const limited = await app.inject(from('10.0.0.1'));
      assert.equal(limited.statusCode, 429);
      assert.match(limited.json().message, /at most 5 per minute/);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await app.inject(from('10.0.0.2'))).statusCode, 200, 'another client is not limited');
      for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/api/runs', payload: { flow: 'nope' }, remoteAddress: '10.0.0.3' });
      assert.equal((await app.inject({ method: 'POST', url: '/api/runs', payload: { flow: 'nope' }, remoteAddress: '10.0.0.3' })).statusCode, 429);
      for (let i = 0; i < 20; i++) assert.equal((await app.inject({ url: '/api/ca_par_pays', remoteAddress: '10.0.0.1' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  test('with several server processes, the limit is still per client, not per process', async () => {
    const { url, child } = await startServer({ ...env, SERVER_WORKERS: '2' });
    try {
      // A new connection per request: the cluster hands them to its workers in turn.
      const status = (path: string) =>
        new Promise<number>((resolve, reject) => {
          http.get(url + path, { agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode!))).on('error', reject);
        });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(await status('/api/compare?kpi=ca_par_pays&n=1'));
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200], statuses.join(' '));
      assert.deepEqual(statuses.slice(5), [429, 429, 429], `5 per minute across both workers: ${statuses.join(' ')}`);
      assert.equal(await status('/api/ca_par_pays'), 200, 'KPI reads are not limited');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
