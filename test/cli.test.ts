import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startS3Server, S3RVER_KEYS } from './support/s3.js';
import { tempConfig } from './support/env.js';

const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI the way a user does (`npm test` builds it first). */
function cli(args: string[], env: Record<string, string>, cwd?: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A user error: non-zero exit, an `error:` line, maybe a hint, and no stack trace. */
function assertOneLineError(r: Result, message: RegExp) {
  assert.notEqual(r.code, 0, `expected a failure, got: ${r.stdout}`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:') || l.startsWith('  hint:'));
  assert.match(lines[0] ?? '', message, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

describe('CLI', () => {
  let env: Record<string, string>;
  let dir: string;
  before(async () => ({ env, dir } = await tempConfig()));
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  test('run without a sources folder says so and how to fix it', async () => {
    const r = await cli(['run'], env);
    assertOneLineError(r, /^error: the sources folder .*sources does not exist and none in the sources bucket$/);
    assert.match(r.stderr, /hint: run `datalake generate`/);
  });

  test('hints name the command as it was started: `npx datalake` through npm, `datalake` installed', async () => {
    // Through npx (npm_command=exec) no `datalake` is on the PATH; an installed CLI must not send its user to npx, which would look the name up on the registry.
    // A lake of its own: the runs here fail, and the tests below count this describe's run records.
    const own = await tempConfig();
    try {
      const viaNpx = await cli(['run'], { ...own.env, npm_command: 'exec' });
      assert.match(viaNpx.stderr, /hint: run `npx datalake generate`/);
      const viaNpmTest = await cli(['run'], { ...own.env, npm_command: 'test' });
      assert.match(viaNpmTest.stderr, /hint: run `datalake generate`/);
    } finally {
      await fs.rm(own.dir, { recursive: true, force: true });
    }
  });

  test('generate, then run --json prints a machine-readable summary', async () => {
    const g = await cli(['generate', '--clients', '50', '--achats', '2000', '--seed', '3'], env);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /achats\.csv: 2000 rows/);
    const r = await cli(['run', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.stages.map((s: { stage: string }) => s.stage), ['bronze', 'silver', 'gold', 'commit', 'publish']);
    for (const s of summary.stages) for (const f of ['rowsIn', 'rowsOut', 'quarantined', 'bytes', 'seconds']) assert.equal(typeof s[f], 'number', `${s.stage}.${f}`);
    assert.equal(summary.stages[1].rowsOut, 2050);
  });

  test('the human summary is a table with the per-stage figures', async () => {
    const skipped = await cli(['gold'], env);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /gold: skipped, silver and the definitions are unchanged since run \S+/);
    const r = await cli(['gold', '--full-refresh'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stage .*rows in .*rows out .*quarantined .*bytes .*seconds/);
    assert.match(r.stdout, /│ gold +│ +2050 │ +2000 │ +0 │/);
    assert.match(r.stdout, /run \S+ completed/);
    const silver = await cli(['silver', '--full-refresh'], env);
    assert.match(silver.stdout, /quality: \d+ of \d+ rules passed on every row/);
  });

  test('verify, kpis, show and runs print what the lake and the serving store hold', async () => {
    const v = await cli(['verify', 'silver'], env);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /silver\/achats\/ \(\d+ files\) .* 2000 rows/);
    assert.match(v.stdout, /schema: id_achat BIGINT, id_client BIGINT, date_achat TIMESTAMP, montant DECIMAL\(18,2\), produit VARCHAR/);
    const k = await cli(['kpis'], env);
    assert.match(k.stdout, /ca_par_pays/);
    assert.match(k.stdout, /gold\/kpi_volumes_semaine\//);
    const s = await cli(['show', 'distribution'], env);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /│ 2000 +│/);
    // The version and its audit status, as the API's X-Data-* headers give them.
    assert.match(s.stdout, /^version \d+ of the lake, committed \S+, audit passed$/m);
    const shown = JSON.parse((await cli(['show', 'distribution', '--json'], env)).stdout);
    assert.deepEqual([typeof shown.version, typeof shown.committedAt, shown.audit], ['number', 'string', 'passed']);
    // As a version of the lake built it, read from its gold: the same rows, that version named.
    const first = JSON.parse((await cli(['show', 'distribution', '--at', '1', '--json'], env)).stdout);
    assert.deepEqual([first.version, first.audit, first.rows], [1, 'passed', shown.rows]);
    assert.match((await cli(['show', 'distribution', '--at', '1'], env)).stdout, /^version 1 of the lake, committed \S+, audit passed$/m);
    assertOneLineError(await cli(['show', 'distribution', '--at', '999'], env), new RegExp(`^error: no version 999 of the lake: (the only version kept is 1|the versions kept are 1 to \\d+)$`));
    const runs = await cli(['runs'], env);
    // Newest first: the silver and gold stages, the whole run, and the first run that failed for want of sources.
    assert.deepEqual(runs.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(1, 3).join(' ')), ['silver_ingestion_flow completed', 'gold_ingestion_flow completed', 'gold_ingestion_flow completed', 'pipeline completed', 'pipeline failed']);
    assertOneLineError(await cli(['show', 'nope'], env), /^error: unknown KPI "nope"$/);
    assertOneLineError(await cli(['verify', 'platinum'], env), /^error: unknown layer "platinum"$/);
  });

  test('output piped to a reader that stops early (openapi | head) ends quietly, not in an EPIPE stack trace', async () => {
    const pipeline = `"${process.execPath}" "${BIN}" openapi | head -c 10 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`;
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => execFile('bash', ['-c', pipeline], (_err, stdout, stderr) => resolve({ stdout, stderr })));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), 'exit=141');
  });

  test('bad option values are one line, not a stack trace', async () => {
    const r = await cli(['generate', '--achats', 'many'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--achats must be a positive integer/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const d = await cli(['generate', '--dirty-rate', '2'], env);
    assert.match(d.stderr, /must be a number between 0 and 1/);
    // A day that does not exist, rather than rolled over into March.
    const day = await cli(['generate', '--as-of', '2026-02-30'], env);
    assert.notEqual(day.code, 0);
    assert.match(day.stderr, /--as-of <date>' argument '2026-02-30' is invalid\. 2026-02-30 is not a day of the calendar: must be a date YYYY-MM-DD/);
  });

  test('run --flow refuses --full-refresh and --strict where they mean nothing, as the API does, before any run starts', async () => {
    const before = JSON.parse((await cli(['runs', '--json'], env)).stdout) as unknown[];
    const cases: [string[], RegExp, RegExp][] = [
      [['run', '--flow', 'vacuum', '--full-refresh'], /^error: --full-refresh does not apply to vacuum$/, /give it with pipeline, silver_ingestion_flow, gold_ingestion_flow or publish_flow/],
      [['run', '--flow', 'bronze_ingestion_flow', '--full-refresh'], /^error: --full-refresh does not apply to bronze_ingestion_flow$/, /give it with pipeline/],
      [['run', '--flow', 'compact', '--full-refresh'], /^error: --full-refresh does not apply to compact$/, /give it with pipeline/],
      [['run', '--flow', 'compact', '--strict'], /^error: --strict does not apply to compact: it reads no source file$/, /give it with pipeline or bronze_ingestion_flow/],
      [['run', '--flow', 'gold_ingestion_flow', '--strict'], /^error: --strict does not apply to gold_ingestion_flow: it reads no source file$/, /bronze --strict/],
    ];
    for (const [args, message, hint] of cases) {
      const r = await cli(args, env);
      assertOneLineError(r, message);
      assert.match(r.stderr, hint, args.join(' '));
    }
    assert.equal((JSON.parse((await cli(['runs', '--json'], env)).stdout) as unknown[]).length, before.length, 'no run was started');
  });

  test('--version after a command is refused, naming the command; before any command it prints the version', async () => {
    for (const args of [['show', 'resume', '--version', '99'], ['run', '--version'], ['--project', dir, 'verify', 'gold', '-V', '2'], ['check', '--project', dir, '--version=3']]) {
      const r = await cli(args, env);
      assertOneLineError(r, new RegExp(`^error: --version is not an option of \`${args.find((a) => /^[a-z]+$/.test(a))}\`: it prints the program's version, before any command$`));
      assert.match(r.stderr, /datalake --version/);
      assert.doesNotMatch(r.stdout, /^\d+\.\d+\.\d+/);
    }
    const { version } = JSON.parse(await fs.readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const args of [['--version'], ['-V'], ['--project', dir, '--version']]) {
      const r = await cli(args, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), version);
    }
  });
});

describe('CLI: bad source files are refused with one clear line and the lake is left alone', () => {
  let env: Record<string, string>;
  let dir: string;
  let sources: string;
  before(async () => {
    ({ env, dir } = await tempConfig());
    sources = path.join(dir, 'sources');
    await fs.mkdir(sources, { recursive: true });
    await fs.writeFile(path.join(sources, 'clients.csv'), 'id_client,nom,email,date_inscription,pays\n1,A B,a@b.c,2025-01-01,France\n');
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  const cases: [string, string | Buffer, RegExp][] = [
    ['a renamed column', 'id_achat,client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,5,Phone\n', /^error: achats\.csv: missing column id_client \(the header has: id_achat,client,date_achat,montant,produit\)$/],
    ['missing columns', 'id_achat,id_client\n1,1\n', /^error: achats\.csv: missing columns date_achat, montant, produit/],
    ['an empty file', '', /^error: achats\.csv is empty \(0 bytes\)$/],
    ['a semicolon-separated file', 'id_achat;id_client;date_achat;montant;produit\n1;1;2026-01-01 10:00:00;5;Phone\n', /^error: achats\.csv: missing columns .* \(it looks semicolon-separated: save it with commas, or set delimiter: ";" in datasets\/achats\.yml\)$/],
    ['a non-UTF-8 file', Buffer.from('id_achat,id_client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,5,T\xe9l\xe9phone\n', 'latin1'), /^error: achats\.csv is not valid UTF-8 text$/],
  ];
  for (const [what, content, message] of cases) {
    test(`${what}: with --strict the run is refused in one line, nothing ingested`, async () => {
      await fs.writeFile(path.join(sources, 'achats.csv'), content);
      const r = await cli(['run', '--strict'], env);
      assertOneLineError(r, message);
      // The way out is the option that refused it, not a setting that is the default already.
      if (/missing column/.test(what)) assert.match(r.stderr, /or run without --strict, and the file waits in quarantine/);
      assert.doesNotMatch(r.stderr, /set on_missing_columns: quarantine_file/);
      await assert.rejects(fs.access(path.join(dir, 'lake', 'bronze', '_manifest.json')), 'nothing ingested');
    });
  }

  test('without --strict a file that cannot be read waits in quarantine, named in the summary, and the run goes on', async () => {
    await fs.writeFile(path.join(sources, 'achats.csv'), Buffer.from('id_achat,id_client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,5,T\xe9l\xe9phone\n', 'latin1'));
    const r = await cli(['run'], env);
    assert.equal(r.code, 0, r.stderr);
    // With what to do about it.
    assert.match(r.stdout, /bronze: waits in quarantine, not ingested: achats\.csv is not valid UTF-8 text \(if it is Excel's or a Western European export, set encoding: windows-1252 in its dataset definition; else save it as UTF-8, for example: iconv -f WINDOWS-1252 -t UTF-8 achats\.csv > achats\.utf8\.csv, and give that file instead\)/);
    const record = JSON.parse((await cli(['runs', '--json', '--limit', '1'], env)).stdout)[0];
    assert.match(record.stages[0].details.quarantined['achats.csv'], /^achats\.csv is not valid UTF-8 text \(if it is Excel's or a Western European export, set encoding: windows-1252/);
    const again = await cli(['run'], env);
    assert.match(again.stdout, /waits in quarantine, not ingested: achats\.csv is not valid UTF-8 text/, 'it keeps waiting until it is fixed');
  });

  test('a header-only file fails the not_empty quality rule', async () => {
    await fs.writeFile(path.join(sources, 'achats.csv'), 'id_achat,id_client,date_achat,montant,produit\n');
    const r = await cli(['run'], env);
    assertOneLineError(r, /^error: quality check failed: achats: rule "not_empty"/);
    // The cause is in a source file: fixing it is a new run, as a resume would be refused once the file changed.
    assert.match(r.stderr, /hint: fix the source file \(or datasets\/achats\.yml\), then start a new run with `datalake run`: a resume of this one is refused/);
    assert.doesNotMatch(r.stdout, /--resume/);
    // doctor says so too, not that a resume continues it.
    const doctor = await cli(['doctor'], env);
    assert.match(doctor.stdout, /pipeline run \S+ failed in task silver \(\S+\): a quality rule failed on the data/);
    assert.match(doctor.stdout, /fix the source file \(or datasets\/achats\.yml\), then start a new run/);
    assert.doesNotMatch(doctor.stdout, /--resume/);
  });
});

describe('CLI against S3', () => {
  test('an unreachable endpoint is one line naming the endpoint', async () => {
    const { env, dir } = await tempConfig({ MINIO_ENDPOINT: '127.0.0.1:9', ...S3RVER_KEYS });
    try {
      await fs.mkdir(path.join(dir, 'sources'));
      await fs.writeFile(path.join(dir, 'sources', 'clients.csv'), 'id_client,nom,email,date_inscription,pays\n1,A,a@b,2025-01-01,France\n');
      const r = await cli(['run'], env);
      assertOneLineError(r, /^error: cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
      // Its summary does not point at a record the lake never received.
      assert.match(r.stdout, /; record: not written \(cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\) while trying to upload runs\/\S+\.json\)\)$/m);
      assert.doesNotMatch(r.stdout, /record: runs\//);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('wrong credentials are one line naming the variables to check', async () => {
    const server = await startS3Server();
    const { env, dir } = await tempConfig({ MINIO_ENDPOINT: server.endpoint.replace('http://', ''), MINIO_SECURE: 'false', MINIO_ACCESS_KEY: 'nobody', MINIO_SECRET_KEY: 'x' });
    try {
      const r = await cli(['generate', '--clients', '5', '--achats', '10'], env);
      assert.equal(r.code, 0, r.stderr);
      const run = await cli(['run'], env);
      assertOneLineError(run, /^error: the S3 endpoint http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(InvalidAccessKeyId\)/);
      assert.match(run.stderr, /hint: check MINIO_ACCESS_KEY and MINIO_SECRET_KEY/);
    } finally {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('settings are read from a .env file in the working directory', async () => {
    const server = await startS3Server();
    const { dir } = await tempConfig();
    try {
      await fs.writeFile(path.join(dir, '.env'), `DATA_DIR=${dir}\nMINIO_ENDPOINT=${server.endpoint.replace('http://', '')}\nMINIO_ACCESS_KEY=S3RVER\nMINIO_SECRET_KEY=S3RVER\nMINIO_SECURE=False\n`);
      assert.equal((await cli(['generate', '--clients', '20', '--achats', '300'], {}, dir)).code, 0);
      const r = await cli(['run', '--json'], {}, dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).lake, `s3 ${server.endpoint}`);
    } finally {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve with a HOST that is not this machine', () => {
  test('is one line naming HOST, not an unexpected error', async () => {
    const { env, dir } = await tempConfig({ HOST: '203.0.113.7', PORT: '0' });
    try {
      assertOneLineError(await cli(['serve'], env), /^error: HOST 203\.0\.113\.7 is not an address of this machine$/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve on a port another process holds', () => {
  test('exits 1 saying so, with one worker or several, leaving no process behind to fire its schedules', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as net.AddressInfo).port);
    const { env, dir } = await tempConfig({ HOST: '127.0.0.1', PORT: port, SCHEDULE: '0 2 * * *' });
    try {
      for (const workers of ['1', '2']) {
        // A process that stayed alive would keep execFile waiting: the test's own timeout would say so.
        assertOneLineError(await cli(['serve'], { ...env, SERVER_WORKERS: workers }), new RegExp(`^error: port ${port} is already in use$`));
      }
    } finally {
      busy.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('datalake doctor', () => {
  test('embedded mode: every check passes', async () => {
    const { env, dir } = await tempConfig();
    try {
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /lake +embedded folder/);
      assert.match(r.stdout, /serving +embedded SQLite/);
      assert.match(r.stdout, /orchestration +in-process/);
      assert.match(r.stdout, /✔ serving store .*last publish none yet/);
      assert.match(r.stdout, /all good/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a source file no dataset\'s glob matches: one warning line each, naming the file and how to include it', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '10', '--achats', '50'], env)).code, 0);
      await fs.writeFile(path.join(dir, 'sources', 'Clientes 2024-01.csv'), 'id_client,nom\n1,A\n');
      await fs.writeFile(path.join(dir, 'sources', 'stock.csv'), 'sku,qty\n1,2\n');
      // Named as nothing of the project, but with the header of its clients: a later export of them.
      await fs.writeFile(path.join(dir, 'sources', 'crm_export.csv'), 'id_client,nom,email,date_inscription,pays\n1,A,a@b.c,2024-01-05,France\n');
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 0, 'a warning, not a problem');
      const lines = r.stdout.split('\n').filter((l) => l.includes('matches no dataset'));
      assert.deepEqual(lines, [
        `  ⚠ sources        Clientes 2024-01.csv matches no dataset's files (clients*.csv, achats*.csv), so runs ignore it: to include it, add "Clientes 2024-01.csv" (or a glob matching it) to files: in datasets/clients.yml, or add a dataset for it (\`datalake init <folder> --from-csv ${path.join(dir, 'sources', 'Clientes 2024-01.csv')}\` drafts one)`,
        `  ⚠ sources        crm_export.csv matches no dataset's files (clients*.csv, achats*.csv), so runs ignore it; its columns are exactly those of dataset clients: add "crm_export.csv" to files: in datasets/clients.yml (now clients*.csv) to load it there`,
        `  ⚠ sources        stock.csv matches no dataset's files (clients*.csv, achats*.csv), so runs ignore it: to include it, add "stock.csv" (or a glob matching it) to files: in the datasets/<name>.yml it belongs to, or add a dataset for it (\`datalake init <folder> --from-csv ${path.join(dir, 'sources', 'stock.csv')}\` drafts one)`,
      ]);
      assert.match(r.stdout, /all good, 3 warning\(s\)/);
      const json = JSON.parse((await cli(['doctor', '--json'], env)).stdout) as { checks: { area: string; warning?: boolean; detail: string }[] };
      assert.deepEqual(json.checks.filter((c) => c.warning && c.area === 'sources').map((c) => c.detail.split(' matches')[0]), ['Clientes 2024-01.csv', 'crm_export.csv', 'stock.csv']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  /** The newest run's id, as `runs --json` lists it. */
  const newestRun = async (env: Record<string, string>) => (JSON.parse((await cli(['runs', '--json', '--limit', '1'], env)).stdout) as { runId: string }[])[0]!.runId;
  /** The line of `datalake runs` for a run. */
  const runsLine = async (env: Record<string, string>, runId: string) => (await cli(['runs'], env)).stdout.split('\n').find((l) => l.startsWith(runId)) ?? '';

  test('a run killed (kill -9) before its commit is a warning naming --resume: it changed nothing visible', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '10', '--achats', '50'], env)).code, 0);
      assert.notEqual((await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'task:gold' })).code, 0);
      const runId = await newestRun(env);
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`⚠ runs +pipeline run ${runId} stopped while running \\(in gold\\), no process holds the lake: killed\\? It changed nothing visible: it had committed no version\\n +fix: \`datalake run --resume ${runId}\` continues it`));
      assert.match(await runsLine(env, runId), /running .*stopped, no process holds the lake \(killed\?\): it had committed nothing$/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a run killed after its commit, before its publish: doctor keeps all its checks and names the version it committed; runs says so, also once another run took the lake over', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '10', '--achats', '50'], env)).code, 0);
      assert.equal((await cli(['run'], env)).code, 0);
      await fs.appendFile(path.join(dir, 'sources', 'achats.csv'), '9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
      assert.notEqual((await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'commit:after-version' })).code, 0);
      const runId = await newestRun(env);
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 1, 'the store is behind the lake: a problem');
      assert.match(r.stdout, /✖ versions +the serving store shows version 1 while the lake is at version 2/);
      assert.match(r.stdout, new RegExp(`⚠ runs +pipeline run ${runId} stopped while running \\(in commit\\), no process holds the lake: killed\\? It had committed version 2 but stopped before publishing it: the serving store still shows version 1\\n +fix: \`datalake run --resume ${runId}\` publishes it and closes its record \\(or \`datalake publish\`\\)`));
      for (const area of ['lake upkeep', 'quarantine', 'freshness']) assert.match(r.stdout, new RegExp(`[✔⚠] ${area} `), `${area} still checked`);
      const stopped = await runsLine(env, runId);
      assert.match(stopped, /pipeline +running .* commit running, publish pending {2}stopped, no process holds the lake \(killed\?\): it had committed version 2, not published$/);
      assert.doesNotMatch(stopped, / 0\.00 s /, 'its time until it was last seen');

      // Another run takes the lake over: the dead run's record is closed with what it had done.
      assert.equal((await cli(['publish'], env)).code, 0);
      const closed = await runsLine(env, runId);
      assert.match(closed, /pipeline +failed .* gold completed \[1 shards\], commit completed, publish cancelled {2}error: interrupted: the process stopped during the run \(its lock expired\); it had committed version 2, not published$/);
      assert.doesNotMatch(closed, / 0\.00 s /);
      assert.match((await cli(['doctor'], env)).stdout, /✔ versions +version 2/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a run killed after its publish, before its record says so: nothing to repair', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '10', '--achats', '50'], env)).code, 0);
      assert.equal((await cli(['run'], env)).code, 0);
      // What a kill -9 just after the publish leaves: the record says running, the lock is gone.
      const runs = path.join(env['DATA_DIR']!, 'lake', 'runs');
      const file = path.join(runs, (await fs.readdir(runs)).filter((f) => f.endsWith('.json') && !f.startsWith('_')).sort().at(-1)!);
      const record = JSON.parse(await fs.readFile(file, 'utf8'));
      record.state = 'running';
      record.tasks.find((t: { name: string }) => t.name === 'publish').state = 'running';
      await fs.writeFile(file, JSON.stringify(record));
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`⚠ runs +pipeline run ${record.runId} stopped while running \\(in publish\\), no process holds the lake: killed\\? It had committed version 1 and published it: the lake and the serving store show its work, only its record was left open\\n +fix: nothing to repair; \`datalake run --resume ${record.runId}\` closes its record`));
      assert.match(await runsLine(env, record.runId), /it had committed version 1 and published it$/);

      // A publish that commits nothing: it published when the store's last publish is later than its start.
      assert.equal((await cli(['publish', '--full-refresh'], env)).code, 0);
      const publishRun = await newestRun(env);
      const publishFile = path.join(runs, `${publishRun}.json`);
      const publishRecord = JSON.parse(await fs.readFile(publishFile, 'utf8'));
      publishRecord.state = 'running';
      publishRecord.tasks[0].state = 'running';
      await fs.writeFile(publishFile, JSON.stringify(publishRecord));
      assert.match((await cli(['doctor'], env)).stdout, new RegExp(`⚠ runs +publish_flow run ${publishRun} stopped while running \\(in publish\\), no process holds the lake: killed\\? It had published version 1, which it did not commit itself: the serving store shows it, only its record was left open\\n +fix: nothing to repair`));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a vacuum killed after deleting version records: doctor says which went, and the vacuum that finishes it', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '10', '--achats', '50'], env)).code, 0);
      for (const day of ['01', '02', '03']) {
        if (day !== '01') await fs.writeFile(path.join(dir, 'sources', `achats_2026-02-${day}.csv`), `id_achat,id_client,date_achat,montant,produit\n99000${day},1,2026-02-${day} 10:00:00,12.50,Phone\n`);
        assert.equal((await cli(['run'], env)).code, 0);
      }
      assert.notEqual((await cli(['vacuum', '--keep-versions', '1', '--older-than', '0d'], { ...env, DATALAKE_FAILPOINT: 'vacuum:after-versions' })).code, 0);
      const runId = await newestRun(env);
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`⚠ runs +vacuum run ${runId} stopped while running \\(in vacuum\\), no process holds the lake: killed\\? It had begun deleting the records of versions 1–2, then \\d+ objects \\(version records first, so a version is gone whole or kept whole\\): the lake keeps version 3 now, whole; the objects it had not deleted yet are unreferenced\\n +fix: \`datalake vacuum --keep-versions 1 --older-than 0d\` deletes what it left`));
      assert.doesNotMatch(r.stdout, /changed nothing/);
      assert.equal((await cli(['vacuum', '--keep-versions', '1', '--older-than', '0d'], env)).code, 0);
      assert.match(await runsLine(env, runId), /vacuum +failed .*error: interrupted: the process stopped during the run \(its lock expired\); it had begun deleting the records of versions 1–2, then \d+ objects$/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a new S3 lake, before the first run made its buckets: no problem, the versions to come', async () => {
    const server = await startS3Server();
    const { env, dir } = await tempConfig({ MINIO_ENDPOINT: server.endpoint, ...S3RVER_KEYS });
    try {
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /missing: the next run creates it/);
      assert.match(r.stdout, /✔ versions +no version committed yet \(the first run makes the buckets\)/);
      assert.doesNotMatch(r.stdout, /NoSuchBucket|✖/);
    } finally {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('services configured but down or refusing: one fix line per problem and a non-zero exit', async () => {
    const server = await startS3Server();
    const { env, dir } = await tempConfig({
      MINIO_ENDPOINT: server.endpoint,
      MINIO_ACCESS_KEY: 'nobody',
      MINIO_SECRET_KEY: 'x',
      MONGO_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300',
    });
    try {
      const r = await cli(['doctor'], env);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /lake +S3 at http:\/\/127\.0\.0\.1:\d+ \(region us-east-1, path-style\)/);
      assert.match(r.stdout, /serving +MongoDB \(database datalake\)/);
      assert.match(r.stdout, /✖ lake .*rejected the credentials \(InvalidAccessKeyId\).*\n +fix: check MINIO_ACCESS_KEY and MINIO_SECRET_KEY/);
      assert.match(r.stdout, /✖ serving store +cannot reach the serving store mongodb mongodb:\/\/127\.0\.0\.1:9 \(database datalake\).*\n +fix: start MongoDB or fix MONGO_URI/);
      assert.match(r.stdout, /2 problem\(s\) found/);
      const json = JSON.parse((await cli(['doctor', '--json'], env)).stdout);
      assert.deepEqual(json.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { area: string }) => c.area), ['lake', 'serving store']);
    } finally {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('no secret in its output or in a failing run\'s: passwords, secret keys and API keys stay hidden', async () => {
    const { env, dir } = await tempConfig({
      MINIO_ENDPOINT: 'http://127.0.0.1:9',
      MINIO_ACCESS_KEY: 'access-id',
      MINIO_SECRET_KEY: 'minio-secret-value',
      MINIO_MAX_ATTEMPTS: '1',
      MONGO_URI: 'mongodb://admin:mongo-password-value@127.0.0.1:9/?serverSelectionTimeoutMS=300',
      REDIS_URL: 'redis://:redis-password-value@127.0.0.1:9',
      API_KEY: 'api-key-value',
      API_KEYS: 'reader:reader-key-value',
    });
    try {
      const outputs = [await cli(['doctor'], env), await cli(['doctor', '--json'], env), await cli(['run', '--flow', 'publish_flow'], { ...env, REDIS_URL: '' })];
      for (const r of outputs) {
        assert.notEqual(r.code, 0);
        assert.doesNotMatch(r.stdout + r.stderr, /minio-secret-value|mongo-password-value|redis-password-value|api-key-value|reader-key-value/);
      }
      assert.match(outputs[0]!.stdout, /redis:\/\/:\*\*\*@127\.0\.0\.1:9/);
      assert.match(outputs[0]!.stdout, /mongodb:\/\/admin:\*\*\*@127\.0\.0\.1:9/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start (datalake start)', () => {
  /** Starts `datalake start`, waits for the URL line, and returns the server's base URL and output so far. */
  function startServer(env: Record<string, string>): Promise<{ url: string; output: () => string; stop: () => Promise<number | null> }> {
    const child = spawn(process.execPath, [BIN, 'start'], { env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL after 60 s:\n${out}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /Dashboard: (http:\/\/[^/\s]+)\//.exec(out);
        if (!m) return;
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          output: () => out,
          stop: () => new Promise((done) => (child.once('exit', (code) => done(code)), child.kill('SIGTERM'))),
        });
      });
      child.once('exit', (code) => reject(new Error(`start exited with ${code}:\n${out}`)));
    });
  }

  test('on an empty folder: generates the seed sample, runs the pipeline, then serves the KPIs', async () => {
    const { env, dir } = await tempConfig();
    try {
      const server = await startServer(env);
      assert.match(server.output(), /generating the seed's sample data \(1500 clients, seed 42\)/);
      assert.match(server.output(), /clients\.csv: 1500 rows/);
      assert.match(server.output(), /run \S+ completed/);
      const rows = (await (await fetch(`${server.url}/api/ca_par_pays`)).json()) as { pays: string }[];
      assert.equal(rows.length, 9);
      assert.equal((await fetch(`${server.url}/`)).status, 200);
      assert.equal(await server.stop(), 0);

      // A second start keeps the existing sources.
      const again = await startServer(env);
      assert.doesNotMatch(again.output(), /generating/);
      assert.match(again.output(), /already received with the same content, skipped: achats\.csv, clients\.csv/);
      // One line says bronze skipped them, not also a generic one; nothing is published again.
      assert.doesNotMatch(again.output(), /bronze: skipped/);
      assert.match(again.output(), /publish: skipped, the serving store already has version 1/);
      await again.stop();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a failed pipeline still serves the last published KPIs', async () => {
    const { env, dir } = await tempConfig();
    try {
      await cli(['generate', '--clients', '20', '--achats', '200'], env);
      assert.equal((await cli(['run'], env)).code, 0);
      // Every client again without the e-mail column: e-mail would be empty in every row (a fatal rule).
      const clients = (await fs.readFile(path.join(dir, 'sources', 'clients.csv'), 'utf8')).split('\n').map((l) => l.split(',').filter((_, i) => i !== 2).join(','));
      await fs.writeFile(path.join(dir, 'sources', 'clients.csv'), clients.join('\n'));
      const server = await startServer(env);
      assert.match(server.output(), /error: quality check failed: clients: rule "no_all_null_column": column email is empty in every row/);
      assert.match(server.output(), /serving the last published KPIs/);
      assert.equal((await fetch(`${server.url}/api/distribution`)).status, 200);
      await server.stop();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI: a run whose record the lake refuses', () => {
  test('its summary says the record was not written and why, in text and (on stderr) with --json', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '20', '--achats', '200'], env)).code, 0);
      const failed = await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'throw:record:save,throw:task:gold' });
      assertOneLineError(failed, /^error: injected failure at failpoint task:gold$/);
      const runId = /^run (\S+) failed in /m.exec(failed.stdout)?.[1];
      assert.ok(runId, failed.stdout);
      assert.match(failed.stdout, new RegExp(`^run ${runId} failed in .*; record: not written \\(injected failure at failpoint record:save\\)\\)$`, 'm'));
      assert.doesNotMatch(failed.stdout, /record: runs\/|--resume/, 'no record to show or resume');
      assert.deepEqual(JSON.parse((await cli(['runs', '--json'], env)).stdout), [], 'indeed none in the lake');

      const json = await cli(['run', '--json'], { ...env, DATALAKE_FAILPOINT: 'throw:record:save' });
      assert.equal(json.code, 0, json.stderr);
      const summary = JSON.parse(json.stdout);
      assert.equal(summary.state, 'completed');
      assert.match(json.stderr, new RegExp(`^warning: run ${summary.runId}: record: not written \\(injected failure at failpoint record:save\\)$`, 'm'));

      // Written: the summary names it.
      const ok = await cli(['run'], env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /; record: runs\/\S+\.json\)$/m);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI: run --resume', () => {
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    ({ env, dir } = await tempConfig());
    assert.equal((await cli(['generate', '--clients', '40', '--achats', '600', '--seed', '5'], env)).code, 0);
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  const newestRun = async () => (JSON.parse((await cli(['runs', '--json', '--limit', '1'], env)).stdout) as { runId: string }[])[0]!.runId;

  test('a run that failed in gold continues from gold under its id; a completed run is not resumed again', async () => {
    const failed = await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'throw:task:gold' });
    assertOneLineError(failed, /^error: injected failure at failpoint task:gold$/);
    const runId = await newestRun();
    assert.ok(failed.stdout.includes(`resume: once the cause is fixed, \`datalake run --resume ${runId}\` continues this run, reusing what it finished (bronze, silver)`), failed.stdout);

    assertOneLineError(await cli(['run', '--resume', runId, '--full-refresh'], env), /^error: option '--resume <run>' cannot be used with option '--full-refresh'$/);
    assertOneLineError(await cli(['run', '--resume', '20200101T000000.000Z-000000'], env), /^error: no run 20200101T000000\.000Z-000000$/);

    const r = await cli(['run', '--resume', runId, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.runId, runId);
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.resumes.map((x: { from: string; reused: string[] }) => [x.from, x.reused]), [['gold', ['bronze', 'silver']]]);
    assert.deepEqual(summary.tasks.find((t: { name: string }) => t.name === 'gold').attempts.map((a: { state: string }) => a.state), ['failed', 'completed']);
    assert.match((await cli(['runs', runId], env)).stdout, /resumed by pid \d+ on \S+ from task gold \(bronze, silver reused from the earlier attempt\)/);

    const again = await cli(['run', '--resume', runId], env);
    assertOneLineError(again, new RegExp(`^error: cannot resume run ${runId}: it completed: there is nothing to resume$`));
    assert.match(again.stderr, /hint: start a new run with `datalake run`/);
  });

  test('a run killed (kill -9) in gold: its resume takes the lake over and continues it', async () => {
    await fs.appendFile(path.join(dir, 'sources', 'achats.csv'), '9900003,1,2026-01-03 10:00:00,12.50,Phone\n');
    const killed = await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'task:gold' });
    assert.notEqual(killed.code, 0);
    const runId = await newestRun();
    const r = await cli(['run', '--resume', runId, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.resumes.map((x: { from: string; previousState: string }) => [x.from, x.previousState]), [['gold', 'failed']]);
    assert.match(summary.tasks.find((t: { name: string }) => t.name === 'gold').attempts[0].error, /^interrupted: pid \d+ on \S+ stopped during this attempt$/);
  });

  test('a run whose sources changed since it failed refuses, naming the file', async () => {
    await fs.appendFile(path.join(dir, 'sources', 'achats.csv'), '9900001,1,2026-01-03 10:00:00,12.50,Phone\n');
    assert.equal((await cli(['run'], { ...env, DATALAKE_FAILPOINT: 'throw:task:gold' })).code, 1);
    const runId = await newestRun();
    await fs.writeFile(path.join(dir, 'sources', 'achats_late.csv'), 'id_achat,id_client,date_achat,montant,produit\n9900002,1,2026-01-03 10:00:00,12.50,Phone\n');
    const r = await cli(['run', '--resume', runId], env);
    assertOneLineError(r, new RegExp(`^error: cannot resume run ${runId}: a new source file arrived: achats_late\\.csv since it stopped, after its bronze task had read the sources \\(a resume does not read them again\\)$`));
    assert.match(r.stderr, /hint: start a new run instead \(`datalake run`\)/);
    assert.equal((await cli(['run'], env)).code, 0, 'a new run ingests it');
  });
});

describe('CLI: rollback', () => {
  test('the note on files ingested again names them, and is left out when no later version received one', async () => {
    const { env, dir } = await tempConfig();
    try {
      assert.equal((await cli(['generate', '--clients', '20', '--achats', '200'], env)).code, 0);
      assert.equal((await cli(['run'], env)).code, 0);
      await fs.writeFile(path.join(dir, 'sources', 'achats_late.csv'), 'id_achat,id_client,date_achat,montant,produit\n9900002,1,2026-01-03 10:00:00,12.50,Phone\n');
      assert.equal((await cli(['run'], env)).code, 0);

      const back = await cli(['rollback', '1'], env);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /^version 3 committed: the content of version 1; published$/m);
      assert.match(back.stdout, /^note: the next run ingests again achats_late\.csv \(received after version 1\) if still in .*sources or in the lake's sources bucket .*: remove it from both first if it is what you rolled back from$/m);
      // Version 2 received every file version 3 (the content of 1) has: nothing would be ingested again.
      const forward = await cli(['rollback', '2'], env);
      assert.equal(forward.code, 0, forward.stderr);
      assert.match(forward.stdout, /^version 4 committed: the content of version 2; published$/m);
      assert.doesNotMatch(forward.stdout, /note:/);

      // A version not kept: the versions kept, said once.
      const missing = await cli(['rollback', '9'], env);
      assertOneLineError(missing, /^error: no version 9 of the lake: the versions kept are 1 to 4$/);
      assert.match(missing.stderr, /^\s+hint: `datalake history` lists them$/m);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
