import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from '../src/generate/generator.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { BIN, runCli } from './support/cli.js';

// Source entries that are not files a run can read: a FIFO (a reader would wait forever), a link to
// /dev/zero (it never ends), a folder, a name the lake cannot keep. Each waits with its reason, the
// others are ingested, and Ctrl+C twice always quits.


const cli = (args: string[], env: Record<string, string>) => runCli(args, env, { timeout: 60_000 });

describe('source entries that are not regular files', () => {
  let env: Record<string, string>;
  let dir: string;
  let sources: string;
  before(async () => {
    ({ env, dir } = await tempConfig());
    sources = path.join(dir, 'sources');
    await generate({ outDir: sources, clients: 30, achats: 200, seed: 2, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  test('a FIFO, a link to /dev/zero, a folder and a backslash in a name wait with their reason; the rest runs', async () => {
    execFileSync('mkfifo', [path.join(sources, 'achats_fifo.csv')]);
    await fs.symlink('/dev/zero', path.join(sources, 'achats_zero.csv'));
    await fs.mkdir(path.join(sources, 'achats_folder.csv'));
    await fs.writeFile(path.join(sources, 'achats_back\\slash.csv'), 'id_achat,id_client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,5,Phone\n');
    // A link to a regular file is read like the file.
    await fs.writeFile(path.join(dir, 'elsewhere.csv'), 'id_achat,id_client,date_achat,montant,produit\n700001,1,2026-01-01 10:00:00,5,Phone\n');
    await fs.symlink(path.join(dir, 'elsewhere.csv'), path.join(sources, 'achats_linked.csv'));

    const started = Date.now();
    const r = await cli(['run', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started < 30_000, 'no hang');
    const bronze = JSON.parse(r.stdout).stages[0].details;
    assert.deepEqual(bronze.quarantined, {
      'achats_back\\slash.csv': 'achats_back\\\\slash.csv: a backslash in the file name: the lake cannot keep it under that name; rename the file',
      'achats_fifo.csv': 'achats_fifo.csv: not a regular file: a FIFO (named pipe); only regular files (or links to them) are read',
      'achats_folder.csv': 'achats_folder.csv: not a regular file: a folder; only regular files (or links to them) are read',
      'achats_zero.csv': 'achats_zero.csv: not a regular file: a device; only regular files (or links to them) are read',
    });
    assert.equal(bronze.files['achats_linked.csv'], 'ingested');
    assert.equal(bronze.files['achats.csv'], 'ingested');

    const strict = await cli(['run', '--strict'], env);
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /^error: achats_back\\\\slash\.csv: a backslash in the file name/m);
  });

  test('Ctrl+C twice quits at once, whatever the run is doing', async () => {
    const { env: big, dir: bigDir } = await tempConfig();
    try {
      await generate({ outDir: path.join(bigDir, 'sources'), clients: 5000, achats: 1_000_000, seed: 2, asOf: FIXED_DAY });
      const child = spawn(process.execPath, [BIN, 'run'], { env: { PATH: process.env['PATH'] ?? '', ...big }, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      // In the middle of a task: once the run record says silver is running (a second or so of DuckDB
      // on a million rows), so that the first Ctrl+C cannot simply end the run between two tasks.
      const runs = path.join(bigDir, 'lake', 'runs');
      const silverRunning = async () => {
        for (const f of await fs.readdir(runs).catch(() => [] as string[])) {
          if (f.startsWith('_')) continue;
          const record = JSON.parse(await fs.readFile(path.join(runs, f), 'utf8').catch(() => '{}')) as { tasks?: { name: string; state: string }[] };
          if (record.tasks?.some((t) => t.name === 'silver' && t.state === 'running')) return true;
        }
        return false;
      };
      for (let i = 0; i < 1000 && !(await silverRunning()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const sent = Date.now();
      child.kill('SIGINT');
      const code = await exited;
      assert.ok(Date.now() - sent < 2000, `quit ${Date.now() - sent} ms after the second Ctrl+C`);
      assert.equal(code, 130, out);
      assert.match(out, /cancelling after the current task \(Ctrl\+C again to quit now\)/);
      assert.doesNotMatch(out, /run \S+ (completed|cancelled) in/, 'it quit, it did not finish');
    } finally {
      await fs.rm(bigDir, { recursive: true, force: true });
    }
  });
});

describe('the sources bucket keeps a folder file once its run commits', () => {
  let env: Record<string, string>;
  let dir: string;
  let sources: string;
  before(async () => {
    ({ env, dir } = await tempConfig());
    sources = path.join(dir, 'sources');
    await generate({ outDir: sources, clients: 30, achats: 200, seed: 3, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));
  const bucketFile = (name: string) => path.join(dir, 'lake', 'sources', name);
  const exists = (file: string) => fs.stat(file).then(() => true, () => false);

  test('a failed run leaves no copy there: a file removed from the folder after the failure is not read again', async () => {
    const first = await cli(['run', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(await exists(bucketFile('achats.csv')), 'kept with the committed version');

    const late = path.join(sources, 'achats_late.csv');
    await fs.writeFile(late, 'id_achat,id_client,date_achat,montant,produit\n9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
    const failed = await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'throw:silver:combine' });
    assert.notEqual(failed.code, 0);
    assert.equal(await exists(bucketFile('achats_late.csv')), false, 'no copy from a run that did not commit');
    await fs.rm(late);
    const again = await cli(['run', '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).stages[0].details.files, { 'achats.csv': 'unchanged', 'clients.csv': 'unchanged' });
  });

  test('a file whose folder copy is gone is the bucket copy, known unread', async () => {
    await fs.rm(path.join(sources, 'clients.csv'));
    const r = await cli(['run', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).stages[0].details.files, { 'achats.csv': 'unchanged', 'clients.csv': 'unchanged' });
    assert.doesNotMatch(r.stderr, /check clients\.csv/, 'its time and size in the bucket are those the manifest keeps: not read');
  });
});
