import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/api/server.js';
import type { Config } from '../src/config.js';
import { generate } from '../src/generate/generator.js';
import { commitVersion, currentVersion, openObjectStore, type ObjectStore } from '../src/lake/index.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { S3RVER_KEYS, startS3Server, type TestS3Server } from './support/s3.js';

// kill -9 at each step of a commit (DATALAKE_FAILPOINT, src/failpoints.ts), on the folder and the S3
// driver: readers of the API and of the lake see the previous version or the new one, whole, never a
// mix; the next run converges.

const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));
const STEPS = ['upload:first', 'commit:before-states', 'commit:before-version', 'commit:after-version'] as const;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', CI: '1', ...env }, maxBuffer: 64 << 20 }, (err, _stdout, stderr) =>
      resolve({ code: err ? (err.signal ?? (typeof err.code === 'number' ? err.code : 1)) : 0, stderr }),
    );
  });
}

/** Every object a version names exists: the version can be read whole. */
async function whole(lake: ObjectStore): Promise<number> {
  const version = await currentVersion(lake);
  for (const [name, t] of Object.entries(version?.tables ?? {})) {
    for (const key of t.objects) assert.ok(await lake.head(t.bucket, key), `version ${version!.version}: ${name} has no ${key}`);
  }
  return version?.version ?? 0;
}

for (const driver of ['folder', 's3'] as const) {
  describe(`kill -9 at each step of a commit (${driver} driver)`, () => {
    let s3: TestS3Server | undefined;
    let config: Config;
    let env: Record<string, string>;
    let app: FastifyInstance;
    const KPIS = ['ca_par_pays', 'resume', 'volumes_mois'];
    /** One answer: the version it says it comes from, and its body. */
    const answer = async (id: string) => {
      const r = await app.inject({ url: `/api/${id}` });
      assert.equal(r.statusCode, 200);
      return { id, version: String(r.headers['x-data-version']), body: r.body };
    };
    const bodies = async () => {
      const answers = await Promise.all(KPIS.map(answer));
      return { version: answers[0]!.version, bodies: answers.map((a) => a.body).join('\n') };
    };

    before(async () => {
      s3 = driver === 's3' ? await startS3Server() : undefined;
      ({ config, env } = await tempConfig(s3 ? { MINIO_ENDPOINT: s3.endpoint, ...S3RVER_KEYS } : {}));
      await generate({ outDir: config.sourcesDir, clients: 200, achats: 6000, seed: 8, asOf: FIXED_DAY });
      const first = await cli(['run'], env);
      assert.equal(first.code, 0, first.stderr);
      app = await createApp(config);
      await app.ready();
    });
    after(async () => {
      await app.close();
      await s3?.close();
      await fs.rm(config.dataDir, { recursive: true, force: true });
    });

    test('a crash at any step leaves version 1 or version 2 whole; the next run converges', async () => {
      const lake = openObjectStore(config);
      const v1 = await bodies();
      assert.equal(v1.version, '1');
      await fs.writeFile(
        path.join(config.sourcesDir, 'achats_2026-06-20.csv'),
        'id_achat,id_client,date_achat,montant,produit\n700001,1,2026-06-01 10:00:00,250.00,Laptop\n700002,2,2026-05-03 09:00:00,12.50,Mouse\n',
      );
      // Readers all along: each answer is its version's whole answer, never a mix.
      const seen: { id: string; version: string; body: string }[] = [];
      const versionsSeen = new Set<number>();
      let stop = false;
      const readers = (async () => {
        while (!stop) {
          for (const id of KPIS) seen.push(await answer(id));
          versionsSeen.add(await whole(lake));
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      try {
        for (const step of STEPS) {
          const killed = await cli(['run'], { ...env, DATALAKE_FAILPOINT: step });
          assert.equal(killed.code, 'SIGKILL', `${step}: the run was not killed (${killed.stderr.slice(-300)})`);
          const version = await whole(lake);
          assert.equal(version, step === 'commit:after-version' ? 2 : 1, `${step}: the lake's version`);
          assert.deepEqual(await bodies(), v1, `${step}: the API still serves version 1`);
        }
        const rerun = await cli(['run'], env);
        assert.equal(rerun.code, 0, rerun.stderr);
        await new Promise((r) => setTimeout(r, 150));
      } finally {
        stop = true;
        await readers;
      }
      const v2 = await bodies();
      assert.equal(v2.version, '2', 'the store caught up with the lake, which had committed version 2');
      assert.equal(await whole(lake), 2, 'the rerun had nothing new to commit');
      const fromLake = (await Promise.all(['ca_par_pays', 'resume', 'volumes_mois'].map(async (id) => (await app.inject({ url: `/api/${id}?version=2` })).body))).join('\n');
      assert.equal(v2.bodies, fromLake, 'the store serves exactly version 2');
      assert.notEqual(v2.bodies, v1.bodies);
      const expected: Record<string, string[]> = { '1': v1.bodies.split('\n'), '2': v2.bodies.split('\n') };
      for (const s of seen) assert.equal(s.body, expected[s.version]?.[KPIS.indexOf(s.id)], `a reader got an answer of ${s.id} that is not version ${s.version}'s`);
      assert.ok(seen.length > 20, `the readers polled all along (${seen.length} answers)`);
      assert.deepEqual([...versionsSeen].sort(), [1, 2]);
    });

    test('two runs at once: one commits, the other stops cleanly, committing nothing', async () => {
      const lake = openObjectStore(config);
      const before = await whole(lake);
      await fs.writeFile(path.join(config.sourcesDir, 'achats_2026-06-21.csv'), 'id_achat,id_client,date_achat,montant,produit\n700003,3,2026-06-02 10:00:00,30.00,Phone\n');
      const [a, b] = await Promise.all([cli(['run'], env), cli(['run'], env)]);
      // Almost always they overlap and the second is refused by the lake lock; on a slow machine the
      // second may start after the first ended, and then finds nothing new to commit. Never two commits.
      assert.ok(a.code === 0 || b.code === 0, `${a.stderr}\n${b.stderr}`);
      for (const r of [a, b]) if (r.code !== 0) assert.match(r.stderr, /another run is writing this lake/);
      assert.equal(await whole(lake), before + 1, 'exactly one commit');
    });

    test('two commits of one version number: the second is refused, whatever the lock', async () => {
      const lake = openObjectStore(config);
      const current = (await currentVersion(lake))!;
      const next = { ...current, version: current.version + 1, runId: 'test-a', parent: current.version };
      await commitVersion(lake, next);
      await assert.rejects(commitVersion(lake, { ...next, runId: 'test-b' }), /version \d+ was committed by another run while run test-b ran: nothing of this run was committed/);
      assert.equal((await currentVersion(lake))!.runId, 'test-a');
    });
  });
}
