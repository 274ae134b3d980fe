import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/api/server.js';
import type { Config } from '../../src/config.js';
import { generate } from '../../src/generate/generator.js';
import { openObjectStore } from '../../src/lake/index.js';
import { runPipeline } from '../support/run.js';
import { FIXED_DAY, tempConfig } from '../support/env.js';

import { expectError, json, listen } from '../support/http.js';

describe('API with API_KEY set', () => {
  let clientsData: string;
  let config: Config;
  let app: FastifyInstance;
  let get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  let url: string;
  before(async () => {
    ({ config } = await tempConfig({ API_KEY: 's3cret-key', API_KEYS: 'reader:read-only-key, admin:second-admin-key' }));
    await generate({ outDir: config.sourcesDir, clients: 30, achats: 300, seed: 2, asOf: FIXED_DAY });
    await runPipeline({ config });
    app = await createApp(config);
    ({ get, url } = await listen(app));
  });
  after(async () => {
    await app.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('the explorer needs the bearer key; KPI reads stay public', async () => {
    const listing = await json(await get('/api/lake/silver', { authorization: 'Bearer s3cret-key' }));
    clientsData = listing.objects.find((o: { table?: string }) => o.table === 'silver/clients').key;
    const r = await get('/api/lake');
    await expectError(r, 401, /Authorization: Bearer/);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    const wrong = await get(`/api/lake/silver/preview?key=${clientsData}`, { authorization: 'Bearer wrong' });
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
    await expectError(wrong, 401, /^the API key given is not valid: send a reader or admin key/);
    assert.equal((await json(await get('/api/lake', { authorization: 'Basic ' + Buffer.from(':wrong').toString('base64') }))).code, 'unauthorized');
    await expectError(await get(`/api/lake/silver/download?key=${clientsData}`, { authorization: 's3cret-key' }), 401, /Bearer/);
    // Authentication comes before the parameters' validation: no key, no 400 telling what is wrong.
    await expectError(await get('/api/lake/silver/preview?key=&limit=0x10&bogus=1'), 401, /Bearer/);
    await expectError(await get('/api/lake/platinum'), 401, /Bearer/);
    const ok = await get(`/api/lake/silver/preview?key=${clientsData}&limit=2`, { authorization: 'Bearer s3cret-key' });
    assert.equal(ok.status, 200);
    const body = await json(ok);
    assert.match(body.rows[0].email, /@example\.com$/, 'admins see personal data');
    assert.equal((await get('/api/ca_par_pays')).status, 200);
    assert.equal((await get('/api/compare?kpi=distribution&n=2')).status, 200);
  });

  test('roles: a reader key opens the explorer with personal data masked, not the admin endpoints', async () => {
    const reader = { authorization: 'Bearer read-only-key' };
    const preview = await get(`/api/lake/silver/preview?key=${clientsData}&limit=2`, reader);
    assert.equal(preview.status, 200);
    assert.ok((await json(preview)).rows.every((r: { nom: string; email: string }) => r.nom === '***' && r.email === '***'));
    await expectError(await get(`/api/lake/silver/preview?key=${clientsData}&column=email&value=x`, reader), 400, /personal data/);
    const post = await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...reader }, body: JSON.stringify({ flow: 'pipeline' }) });
    await expectError(post, 403, /admin key; the key given is a reader key/);
    await expectError(await get('/admin/queues', reader), 403, /admin key/);
    // The second admin key of API_KEYS is an admin like API_KEY.
    const admin = await get(`/api/lake/silver/preview?key=${clientsData}&limit=2`, { authorization: 'Bearer second-admin-key' });
    assert.match((await json(admin)).rows[0].email, /@example\.com$/);
    // No secret in a response: not in the health, readiness or docs.
    for (const p of ['/health', '/ready', '/openapi.json', '/api']) assert.doesNotMatch(await (await get(p)).text(), /s3cret-key|read-only-key|second-admin-key/);
  });

  test('the queue dashboard asks a browser for the key, and says it needs REDIS_URL when not in distributed mode', async () => {
    const r = await get('/admin/queues');
    await expectError(r, 401, /API key/);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="datalake admin", charset="UTF-8"');
    await expectError(await get('/admin/queues', { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` }), 401, /API key/);
    await expectError(await get('/admin/queues', { authorization: `Basic ${Buffer.from('admin:s3cret-key').toString('base64')}` }), 404, /set REDIS_URL/);
    await expectError(await get('/admin/queues/api/queues', { authorization: 'Bearer s3cret-key' }), 404, /set REDIS_URL/);
  });

  test('POST /api/runs starts a flow for an admin; a second one while it runs gets 409', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const admin = { authorization: 'Bearer s3cret-key' };
    await expectError(await post({ flow: 'pipeline' }), 401, /Bearer/);
    await expectError(await post({ flow: 'pipeline' }, { authorization: 'Bearer wrong' }), 401, /^the API key given is not valid: send an admin key/);
    await expectError(await post({ flow: 'nope' }, admin), 400, /invalid body field "flow": must be one of .*bronze_ingestion_flow/);
    // A query parameter is refused as on every GET route, not ignored (`?flow=` is not the body).
    const withQuery = await fetch(`${url}/api/runs?flow=gold_ingestion_flow`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: '{}' });
    await expectError(withQuery, 400, /^unknown query parameter "flow"$/);
    await expectError(await get('/api/runs/20261128T000000.000Z-abcdef?x=1'), 400, /^unknown query parameter "x"$/);
    for (const flow of ['bronze_ingestion_flow', 'vacuum', 'compact']) await expectError(await post({ flow, full_refresh: true }, admin), 400, new RegExp(`full_refresh does not apply to ${flow}`));

    // While another process holds the lake, a trigger is refused with who holds it.
    const lake = openObjectStore(config);
    const now = new Date().toISOString();
    const holder = { runId: '20261128T000000.000Z-abcdef', flow: 'pipeline', owner: 'pid 1 on elsewhere', host: 'elsewhere', pid: 1, acquiredAt: now, heartbeatAt: now };
    assert.equal(await lake.create('runs', '_lock.json', JSON.stringify(holder)), true);
    await expectError(await post({ flow: 'gold_ingestion_flow' }, admin), 409, /another run is writing this lake: pipeline 20261128T000000\.000Z-abcdef/);
    await lake.delete('runs', '_lock.json');

    const r = await post({ flow: 'gold_ingestion_flow', full_refresh: true }, admin);
    assert.equal(r.status, 202);
    const started = await json(r);
    assert.equal(r.headers.get('location'), `/api/runs/${started.runId}`);
    let run;
    for (let i = 0; i < 200; i++) {
      run = await json(await get(`/api/runs/${started.runId}`));
      if (run.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(run.state, 'completed');
    assert.equal(run.flow, 'gold_ingestion_flow');
    assert.deepEqual(run.parameters, { fullRefresh: true, trigger: 'api' });
    assert.equal(run.tasks[0].attempts[0].state, 'completed');
    assert.ok(run.logs.some((l: { message: string }) => /gold_ingestion_flow started/.test(l.message)));
  });

  test('POST /api/runs with resume continues a failed run under its id; refusals are 4xx naming why', async () => {
    const post = (body: unknown, headers: Record<string, string> = { authorization: 'Bearer s3cret-key' }) =>
      fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await fs.writeFile(`${config.sourcesDir}/achats_more.csv`, 'id_achat,id_client,date_achat,montant,produit\n9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
    process.env['DATALAKE_FAILPOINT'] = 'throw:task:gold';
    const failed = await runPipeline({ config }).finally(() => delete process.env['DATALAKE_FAILPOINT']);
    assert.equal(failed.summary.state, 'failed');
    const runId = failed.summary.runId;

    await expectError(await post({ resume: runId }, {}), 401, /Bearer/);
    await expectError(await post({ resume: runId }, { authorization: 'Bearer read-only-key' }), 403, /admin key/);
    await expectError(await post({ resume: '../x' }), 400, /resume/);
    await expectError(await post({ resume: runId, full_refresh: true }), 400, /full_refresh cannot be given with it/);
    await expectError(await post({ resume: runId, flow: 'publish_flow' }), 400, new RegExp(`run ${runId} is a pipeline run`));
    const unknown = await post({ resume: '20200101T000000.000Z-000000' });
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).code, 'not_found');

    const r = await post({ resume: runId, flow: 'pipeline' });
    assert.equal(r.status, 202);
    const started = await json(r);
    assert.deepEqual(started, { runId, flow: 'pipeline', state: 'running', url: `/api/runs/${runId}` });
    assert.equal(r.headers.get('location'), `/api/runs/${runId}`);
    let run;
    for (let i = 0; i < 200; i++) {
      run = await json(await get(`/api/runs/${runId}`));
      if (run.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(run.state, 'completed');
    assert.deepEqual(run.resumes.map((x: { trigger: string; from: string; previousState: string }) => [x.trigger, x.from, x.previousState]), [['api', 'gold', 'failed']]);
    assert.deepEqual(run.tasks.find((t: { name: string }) => t.name === 'silver').attempts.length, 1);

    const again = await post({ resume: runId });
    assert.equal(again.status, 409);
    const body = await json(again);
    assert.equal(body.code, 'not_resumable');
    assert.match(body.message, new RegExp(`^cannot resume run ${runId}: it completed: there is nothing to resume`));
  });
});
