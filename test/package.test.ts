import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

// The package as a user gets it: `npm pack`, `npm install -g` of the tarball into a fresh prefix,
// then the installed `datalake` command run in a folder outside the repository: init, check, run and
// serve (dashboard included). Dependencies come from npm's cache when it has them (npm ci filled it).

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));

describe('the packed package, installed globally, works in any folder', { timeout: 20 * 60_000 }, () => {
  let tmp: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-package-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: REPO, maxBuffer: 64 << 20 });
    const tarball = path.join(tmp, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
    const prefix = path.join(tmp, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: tmp, maxBuffer: 64 << 20 });
    bin = path.join(prefix, 'bin', 'datalake');
    // Nothing of the repository on the way: only the installed command and node.
    env = { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp, DUCKDB_THREADS: '2' };
  });
  after(async () => fs.rm(tmp, { recursive: true, force: true }));

  test('the tarball carries the built code, the dashboard and the examples, not the tests', async () => {
    const root = path.join(tmp, 'prefix', 'lib', 'node_modules', 'datalake');
    for (const f of ['dist/cli/main.js', 'dist/dashboard/index.html', 'examples/shop/datalake.yml', 'examples/flights/sources/airports.csv', 'README.md']) await fs.access(path.join(root, f));
    for (const f of ['src', 'test', 'dist/test-support', 'dist/support']) await assert.rejects(fs.access(path.join(root, f)), `${f} is not shipped`);
  });

  test('init, check, run and serve from any folder', async () => {
    const work = path.join(tmp, 'work');
    await fs.mkdir(work);
    const init = await run(bin, ['init', 'shop-demo'], { cwd: work, env });
    assert.match(init.stdout, /project shop-demo written to/);
    const project = path.join(work, 'shop-demo');
    await run(bin, ['check'], { cwd: project, env });
    const result = await run(bin, ['run', '--json'], { cwd: project, env, maxBuffer: 64 << 20 });
    assert.equal(JSON.parse(result.stdout).state, 'completed');

    await fs.writeFile(path.join(work, 'sales.csv'), 'id;region;amount\n1;North;10,5\n2;South;4\n3;North;7\n');
    await run(bin, ['init', 'mine', '--from-csv', 'sales.csv'], { cwd: work, env });
    await run(bin, ['run'], { cwd: path.join(work, 'mine'), env });

    const server = spawn(bin, ['serve'], { cwd: project, env: { ...env, PORT: '0' } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL after 30 s: ${out}`)), 30_000);
        server.stdout.on('data', (d) => {
          out += d;
          const m = /Dashboard: (http:\/\/[^/\s]+)\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        server.stderr.on('data', (d) => (out += d));
        server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      assert.match(await (await fetch(`${url}/`)).text(), /<div id="app">/);
      assert.equal(((await (await fetch(`${url}/api/ca_par_pays`)).json()) as unknown[]).length, 9);
      assert.equal(((await (await fetch(`${url}/api/project`)).json()) as { name: string }).name, 'shop-demo');
    } finally {
      server.kill('SIGTERM');
    }
  });
});
