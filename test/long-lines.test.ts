import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config.js';
import { RecordCounter } from '../src/pipeline/record-counter.js';
import { runPipeline } from './support/run.js';
import type { SilverDatasetStats } from '../src/pipeline/silver/index.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { generate } from '../src/generate/generator.js';
import { runCli } from './support/cli.js';

// Every record bronze counts ends in silver, in the quarantine with a reason, or in a counted drop,
// whatever the length of its fields: DuckDB's reader used to skip lines past its 32 MiB buffer silently.

const MiB = 1024 * 1024;

async function fileWithLongField(file: string, mib: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('id_achat,id_client,date_achat,montant,produit\n900001,1,2026-01-01 10:00:00,5,Phone\n');
  const chunk = 'x'.repeat(MiB);
  out.write('900002,1,2026-01-01 10:00:00,5,');
  for (let i = 0; i < mib; i++) if (!out.write(chunk)) await once(out, 'drain');
  out.write('\n900003,1,2026-01-01 10:00:00,5,"a quoted\nnewline"\n');
  out.end();
  await once(out, 'finish');
}

describe('records with very long fields', () => {
  let config: Config;
  before(async () => {
    ({ config } = await tempConfig());
    await generate({ outDir: config.sourcesDir, clients: 20, achats: 100, seed: 3, asOf: FIXED_DAY });
    assert.equal((await runPipeline({ config })).error, undefined);
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  for (const mib of [3, 16, 40, 100]) {
    test(`a ${mib} MiB field: the row is quarantined as too long, the others kept, the counts add up`, async () => {
      const name = `achats_long${mib}.csv`;
      const file = path.join(config.sourcesDir, name);
      await fileWithLongField(file, mib);
      try {
        const { summary, error } = await runPipeline({ config });
        assert.equal(error, undefined, String(error));
        assert.equal(summary.stages[0]!.rowsOut, 3, 'bronze counts records: the quoted newline is inside one');
        const s = (summary.stages[1]!.details['datasets'] as Record<string, SilverDatasetStats>)['achats']!;
        assert.equal(s.rowsIn, 3);
        assert.equal(s.rowsIn, s.rowsOut + s.quarantined + s.emptyRows + s.exactDuplicates + s.superseded);
        assert.deepEqual(s.reasons, { 'malformed_line:line_size_over_maximum': 1 });
        assert.equal(s.rowsOut, 2);
      } finally {
        await fs.rm(file);
      }
    });
  }
});

test('init --from-csv on a file with a line over 1 MiB: types the others, and says the line is not read and why it may be', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-long-init-'));
  try {
    const file = path.join(dir, 'achats.csv');
    await fileWithLongField(file, 2);
    const init = await runCli(['init', path.join(dir, 'project'), '--from-csv', file], {});
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /achats\.csv: 2 rows, 5 columns, .*; 1 line not read \(more or fewer fields than the header, a quote left open, or over 1 MiB\?\): `run` quarantines each with its reason/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('records are counted as a CSV reader sees them: quoted newlines, blank lines, CRLF, no final newline', () => {
  const count = (...chunks: string[]) => {
    const c = new RecordCounter();
    for (const ch of chunks) c.push(Buffer.from(ch));
    c.end();
    return [c.records, c.longest];
  };
  assert.deepEqual(count('a,b\n1,2\n'), [2, 3]);
  assert.deepEqual(count('a,b\r\n1,"x\r\ny"\r\n\r\n\n3,4'), [3, 9]);
  assert.deepEqual(count('a,b\n1,"say ""hi""\n', 'there"\n2,3\n'), [3, 20]);
  assert.deepEqual(count('a,', 'b\n', '\n1', ',2'), [2, 3]);
});
