import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import type { Project } from '../src/project/types.js';
import { Engine, sqlString as str } from '../src/engine/duckdb.js';
import { QualityError, UserError } from '../src/errors.js';
import { generate } from '../src/generate/generator.js';
import { Random } from '../src/generate/random.js';
import { openObjectStore, type ObjectStore } from '../src/lake/index.js';
import { readStates } from '../src/pipeline/states.js';
import { runPipeline } from './support/run.js';
import type { SilverDatasetStats } from '../src/pipeline/silver/index.js';
import { openServingStore } from '../src/serving/index.js';
import { FIXED_DAY, tempConfig } from './support/env.js';

// Hundreds of malformed source files, each dropped into a lake that has a published KPI set. For each,
// the pipeline must either ingest it — every row accounted for, each rejected row quarantined with a
// reason — or refuse it with one clear line and leave the lake as it was. Never a crash (an error that
// is not a UserError), never a hang, never a change to what was published.

const CASES = Number(process.env['DATALAKE_FUZZ_CASES'] ?? 300);
const SEED = Number(process.env['DATALAKE_FUZZ_SEED'] ?? 20261128);
const CASE_TIMEOUT_MS = 60_000;

type Mutation = (text: Buffer, r: Random, dataset: 'clients' | 'achats') => Buffer;

const lines = (b: Buffer) => b.toString('utf8').split('\n');
const join = (l: string[]) => Buffer.from(l.join('\n'));
/** A data line (not the header), by index from a random draw. */
const pickLine = (l: string[], r: Random) => r.int(1, Math.max(1, l.length - 2));
const withLine = (b: Buffer, r: Random, edit: (line: string) => string) => {
  const l = lines(b);
  const i = pickLine(l, r);
  l[i] = edit(l[i] ?? '');
  return join(l);
};
const setField = (line: string, r: Random, value: string) => {
  const f = line.split(',');
  f[r.int(0, f.length - 1)] = value;
  return f.join(',');
};

/** Each a realistic way a source file goes wrong. */
const MUTATIONS: Record<string, Mutation> = {
  random_bytes: (_b, r) => Buffer.from(Array.from({ length: r.int(1, 4000) }, () => r.int(0, 255))),
  random_bytes_after_header: (b, r) => Buffer.concat([Buffer.from(`${lines(b)[0]}\n`), Buffer.from(Array.from({ length: r.int(1, 3000) }, () => r.int(0, 255)))]),
  zero_bytes: () => Buffer.alloc(0),
  header_only: (b) => Buffer.from(`${lines(b)[0]}\n`),
  only_newlines: (_b, r) => Buffer.from('\n'.repeat(r.int(1, 50))),
  renamed_column: (b, r) => join([setField(lines(b)[0]!, r, `col_${r.int(0, 99)}`), ...lines(b).slice(1)]),
  duplicated_column: (b, r) => {
    const h = lines(b)[0]!.split(',');
    h[r.int(1, h.length - 1)] = h[0]!;
    return join([h.join(','), ...lines(b).slice(1)]);
  },
  missing_column: (b, r) => {
    const drop = r.int(0, lines(b)[0]!.split(',').length - 1);
    return join(lines(b).map((l) => l.split(',').filter((_, i) => i !== drop).join(',')));
  },
  extra_column: (b) => join(lines(b).map((l, i) => (l ? `${l},${i === 0 ? 'extra' : 'x'}` : l))),
  reordered_columns: (b) => join(lines(b).map((l) => (l ? l.split(',').reverse().join(',') : l))),
  uppercase_header: (b) => join([lines(b)[0]!.toUpperCase(), ...lines(b).slice(1)]),
  no_header: (b) => join(lines(b).slice(1)),
  bom: (b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]),
  crlf: (b) => Buffer.from(b.toString('utf8').replace(/\n/g, '\r\n')),
  cr_only: (b) => Buffer.from(b.toString('utf8').replace(/\n/g, '\r')),
  quoted_newline: (b, r) => withLine(b, r, (l) => setField(l, r, '"two\nlines"')),
  stray_quote: (b, r) => withLine(b, r, (l) => {
    const at = r.int(0, l.length);
    return `${l.slice(0, at)}"${l.slice(at)}`;
  }),
  unclosed_quote_to_end: (b, r) => withLine(b, r, (l) => setField(l, r, '"never closed')),
  long_field: (b, r) => withLine(b, r, (l) => setField(l, r, 'x'.repeat(r.int(10_000, 300_000)))),
  line_over_1mb: (b, r) => withLine(b, r, (l) => setField(l, r, 'y'.repeat(1_200_000))),
  extra_fields_in_row: (b, r) => withLine(b, r, (l) => `${l},surplus,more`),
  missing_fields_in_row: (b, r) => withLine(b, r, (l) => l.split(',').slice(0, 2).join(',')),
  latin1_text: (b, r) => {
    const l = lines(b);
    const i = pickLine(l, r);
    return Buffer.concat([join(l.slice(0, i)), Buffer.from('\n'), Buffer.from(`${l[i]}`.replace(/,([^,]*)$/, ',Fran\xe7ois'), 'latin1'), Buffer.from('\n'), join(l.slice(i + 1))]);
  },
  utf16: (b) => Buffer.from(`\ufeff${b.toString('utf8')}`, 'utf16le'),
  nul_bytes: (b, r) => withLine(b, r, (l) => `${l.slice(0, 3)}\0\0${l.slice(3)}`),
  huge_number: (b, r) => withLine(b, r, (l) => setField(l, r, r.pick(['1e308', '99999999999999999999999999', '-1e309', 'NaN', 'Infinity', '0x1F', '1,5']))),
  other_date_format: (b, r) => withLine(b, r, (l) => setField(l, r, r.pick(['28/11/2026', '2026-11-28T10:00:00Z', '1700000000', 'Nov 28 2026', '2026-13-45', '0000-00-00', '28.11.2026 10:00']))),
  injection_text: (b, r) => withLine(b, r, (l) => setField(l, r, r.pick(["'; DROP TABLE achats; --", '{"$gt": ""}', '../../etc/passwd', '=cmd|calc!A1', '<script>alert(1)</script>']))),
  truncated_last_line: (b, r) => {
    const t = b.toString('utf8').trimEnd();
    return Buffer.from(t.slice(0, t.length - r.int(1, 15)));
  },
  blank_and_whitespace_lines: (b, r) => withLine(b, r, (l) => `${l}\n   \n\t\n`),
  duplicate_rows: (b, r) => withLine(b, r, (l) => `${l}\n${l}\n${l}`),
  same_key_other_values: (b, r) => withLine(b, r, (l) => `${l}\n${l.replace(/,[^,]*$/, ',Changed')}`),
};

interface Snapshot {
  manifest: string;
  silverState: string;
}

/** The lake's current version as readers see it: its manifest and silver state. */
async function snapshot(lake: ObjectStore, project: Project): Promise<Snapshot> {
  const states = await readStates(lake, project);
  return { manifest: JSON.stringify(states.manifest), silverState: JSON.stringify(states.silver ?? null) };
}

async function withTimeout<T>(promise: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer after ${CASE_TIMEOUT_MS / 1000} s (a hang)`)), CASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe(`fuzzed source files (${CASES} cases, seed ${SEED})`, () => {
  let config: Config;
  let lake: ObjectStore;
  let engine: Engine;
  const base: Record<'clients' | 'achats', Buffer> = { clients: Buffer.alloc(0), achats: Buffer.alloc(0) };
  let published: { runId: string; kpi: unknown };

  before(async () => {
    ({ config } = await tempConfig());
    const gen = path.join(config.dataDir, 'generated');
    await generate({ outDir: gen, clients: 40, achats: 300, seed: 5, asOf: FIXED_DAY });
    for (const d of ['clients', 'achats'] as const) base[d] = await fs.readFile(path.join(gen, `${d}.csv`));
    await fs.cp(gen, config.sourcesDir, { recursive: true });
    const { error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
    lake = openObjectStore(config);
    engine = await Engine.open(config.duckdb, path.join(config.dataDir, 'spill'));
    const serving = openServingStore(config);
    try {
      published = { runId: (await serving.lastPublish())!.runId, kpi: await serving.read('kpi_ca_par_pays') };
    } finally {
      await serving.close();
    }
  });
  after(async () => {
    engine.close();
    await fs.rm(config.dataDir, { recursive: true, force: true });
  });

  test('each file is ingested with its bad rows quarantined, or set aside whole with a one-line reason leaving the lake as it was', async () => {
    const r = new Random(SEED);
    const names = Object.keys(MUTATIONS);
    const outcomes: Record<string, number> = {};
    const refusals = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const dataset = r.pick(['clients', 'achats'] as const);
      const applied = Array.from({ length: r.int(1, 3) }, () => r.pick(names));
      let bytes = base[dataset];
      for (const m of applied) bytes = MUTATIONS[m]!(bytes, r, dataset);
      const name = `${dataset}_fuzz${String(i).padStart(3, '0')}.csv`;
      const label = `case ${i} (${name}: ${applied.join(' + ')})`;
      const file = path.join(config.sourcesDir, name);
      await fs.writeFile(file, bytes);
      const before = await snapshot(lake, config.project);

      const ran = await withTimeout(runPipeline({ config, stages: ['bronze'] }), label);
      // A file that cannot be read at all (empty, not UTF-8, CR-only...) waits, not ingested: one short
      // line in the run record, and the lake as it was.
      const setAside = (ran.summary.stages[0]?.details['quarantined'] as Record<string, string> | undefined)?.[name];
      if (setAside !== undefined) {
        assert.ok(!setAside.includes('\n') && setAside.length < 500, `${label}: the reason is not one short line: ${setAside}`);
        assert.deepEqual(await snapshot(lake, config.project), before, `${label}: a file set aside changed the lake`);
        await fs.rm(file);
        outcomes['set aside by bronze, not ingested'] = (outcomes['set aside by bronze, not ingested'] ?? 0) + 1;
        refusals.add(`(set aside) ${setAside.replace(/^\S+_fuzz\d+\.csv:? ?/, '').slice(0, 80)}`);
        continue;
      }
      const silverBefore = (await snapshot(lake, config.project)).silverState;
      const { summary, error } = ran.error ? ran : await withTimeout(runPipeline({ config, stages: ['silver'] }), label);
      if (error && !ran.error && process.env['DATALAKE_FUZZ_KEEP']) await fs.copyFile(file, process.env['DATALAKE_FUZZ_KEEP']);
      // A file bronze accepts goes through silver, or is stopped by a rule the dataset declares fatal
      // (a file without its optional e-mail column, replacing every client: no_all_null_column).
      // Silver is then left as it was, and a new version of the file lets the next run complete.
      if (error && !ran.error) {
        assert.ok(error instanceof QualityError, `${label}: bronze accepted the file but silver failed: ${String(error)}`);
        assert.equal((await snapshot(lake, config.project)).silverState, silverBefore, `${label}: a fatal rule left silver changed`);
        await fs.writeFile(file, base[dataset]);
        assert.equal((await withTimeout(runPipeline({ config, stages: ['bronze'] }), `${label} (resent)`)).error, undefined);
        const resent = await withTimeout(runPipeline({ config, stages: ['silver'] }), `${label} (resent)`);
        assert.equal(resent.error, undefined, `${label}: a new version did not unblock silver: ${String(resent.error)}`);
        await fs.rm(file);
        outcomes['stopped by a fatal rule, then resent'] = (outcomes['stopped by a fatal rule, then resent'] ?? 0) + 1;
        refusals.add(`(fatal) ${error.message.slice(0, 80)}`);
        continue;
      }
      if (error) {
        assert.ok(error instanceof UserError, `${label}: not a clear refusal but a crash: ${(error as Error).stack ?? String(error)}`);
        assert.ok(!error.message.includes('\n') && error.message.length < 500, `${label}: the message is not one short line: ${error.message}`);
        assert.deepEqual(await snapshot(lake, config.project), before, `${label}: a refused file changed the lake`);
        await fs.rm(file);
        outcomes['refused'] = (outcomes['refused'] ?? 0) + 1;
        refusals.add(error.message.replace(/^\S+_fuzz\d+\.csv:? ?/, '').replace(/\(the header has: .*\)/, '(the header has: …)').slice(0, 80));
        continue;
      }
      const bronze = ran.summary.stages.find((s) => s.stage === 'bronze')!;
      const ingested = (bronze.details['files'] as Record<string, string>)[name];
      if (ingested?.startsWith('unchanged')) {
        outcomes['identical to a file already ingested'] = (outcomes['identical to a file already ingested'] ?? 0) + 1;
        continue;
      }
      // Every row of the file is accounted for: kept, quarantined with a reason, or an empty row / exact duplicate (counted).
      const silver = summary.stages.find((s) => s.stage === 'silver')!;
      const stats = (silver.details['datasets'] as Record<string, SilverDatasetStats>)[dataset]!;
      assert.ok(stats, `${label}: silver did not process ${dataset}: ${JSON.stringify(silver.details)}`);
      assert.equal(stats.rowsIn, stats.rowsOut + stats.quarantined + stats.emptyRows + stats.exactDuplicates + stats.superseded, `${label}: rows lost: ${JSON.stringify(stats)}`);
      // A file that cannot be read as its dataset (a required column missing) waits whole, with its reason.
      const waiting = stats.waitingFiles.find((w) => w.file.endsWith(`/${name}`));
      if (waiting) {
        assert.ok(!waiting.reason.includes('\n') && waiting.reason.length < 500, `${label}: the reason is not one short line: ${waiting.reason}`);
        assert.equal(stats.rowsOut, 0, `${label}: a waiting file merged rows`);
        outcomes['waits in quarantine, whole'] = (outcomes['waits in quarantine, whole'] ?? 0) + 1;
        refusals.add(`(waits) ${waiting.reason.replace(/^\S+_fuzz\d+\.csv:? ?/, '').replace(/\(the header has: .*\)/, '(the header has: …)').slice(0, 80)}`);
        continue;
      }
      if (stats.quarantined > 0) {
        const manifest = JSON.parse(before.manifest) as { files: { name: string; key: string }[] };
        const now = await readStates(lake, config.project);
        const key = now.manifest.files.find((f) => f.name === name && !manifest.files.some((m) => m.key === f.key))!.key;
        const quarantine = await lake.localPath('silver', now.silver!.quarantine![key]!.key, path.join(config.dataDir, 'q'));
        const [q] = await engine.rows(`SELECT count(*) AS n, count(*) FILTER (WHERE _reason IS NULL OR _reason = '') AS no_reason FROM read_parquet(${str(quarantine)})`);
        const unresolved = stats.reasons['unknown_reference:id_client'] ?? 0;
        assert.equal(Number(q!['n']) + unresolved, stats.quarantined, `${label}: quarantine object rows`);
        assert.equal(Number(q!['no_reason']), 0, `${label}: quarantined rows without a reason`);
      }
      outcomes[stats.quarantined ? 'ingested, some rows quarantined' : 'ingested clean'] = (outcomes[stats.quarantined ? 'ingested, some rows quarantined' : 'ingested clean'] ?? 0) + 1;
    }
    console.log(`fuzzed source files: ${JSON.stringify(outcomes)}; refusals:\n  ${[...refusals].sort().join('\n  ')}`);
    assert.ok(
      (outcomes['set aside by bronze, not ingested'] ?? 0) > 10 && (outcomes['waits in quarantine, whole'] ?? 0) > 10 && (outcomes['ingested, some rows quarantined'] ?? 0) > 10,
      'every outcome was exercised',
    );

    // Nothing above published: the serving store holds the same KPI set; gold and publish then succeed on what was ingested.
    const serving = openServingStore(config);
    try {
      assert.equal((await serving.lastPublish())!.runId, published.runId);
      assert.deepEqual(await serving.read('kpi_ca_par_pays'), published.kpi);
    } finally {
      await serving.close();
    }
    const { error } = await runPipeline({ config });
    assert.equal(error, undefined, String(error));
  });
});
