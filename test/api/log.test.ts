import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from 'node:test';
import { createApp } from '../../src/api/server.js';
import { generate } from '../../src/generate/generator.js';
import { FIXED_DAY, tempConfig } from '../support/env.js';
import { listen } from '../support/http.js';

// The server's log (pino JSON): a run started through the API says when it ends. Fastify's own
// `app.log` is silent without a Fastify logger, and once swallowed this line.

test('a run started through the API logs its end', async () => {
  const { config } = await tempConfig({ API_KEY: 'log-test-admin-key' });
  await generate({ outDir: config.sourcesDir, clients: 20, achats: 200, seed: 5, asOf: FIXED_DAY });
  const lines: Record<string, unknown>[] = [];
  const app = await createApp(config, { logger: true, logStream: { write: (line) => void lines.push(JSON.parse(line)) } });
  try {
    const { url } = await listen(app);
    const post = await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer log-test-admin-key' }, body: '{}' });
    assert.equal(post.status, 202, await post.clone().text());
    const { runId } = (await post.json()) as { runId: string };
    const deadline = Date.now() + 60_000;
    while (!lines.some((l) => l['msg'] === 'run ended') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const ended = lines.find((l) => l['msg'] === 'run ended');
    assert.ok(ended, `log lines: ${JSON.stringify(lines)}`);
    assert.equal(ended['runId'], runId);
    assert.equal(ended['state'], 'completed');
  } finally {
    await app.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  }
});
