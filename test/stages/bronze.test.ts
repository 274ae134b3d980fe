import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBronze } from '../../src/pipeline/bronze.js';
import { readStates } from '../../src/pipeline/states.js';
import fs from 'node:fs';
import path from 'node:path';
import { runCommit } from '../../src/pipeline/commit.js';
import { RunContext, silentProgress, type StageResult } from '../../src/pipeline/context.js';
import { tinyProject, type Tiny } from '../support/tiny.js';

// Bronze alone on hand-written files: what it keeps, under which key, and what it counts.

describe('bronze', () => {
  let tiny: Tiny;
  const bronze = (): Promise<StageResult> => tiny.commitAfter(runBronze);
  /** Bronze in a context of its own, with a progress sink; `inspect` sees the run's scratch before it goes. */
  const bronzeIn = async (progress = silentProgress, inspect?: (ctx: RunContext) => Promise<void>): Promise<StageResult> => {
    const ctx = new RunContext(tiny.config, tiny.lake, progress);
    try {
      const result = await runBronze(ctx);
      await inspect?.(ctx);
      await runCommit(ctx);
      return result;
    } finally {
      await ctx.close();
    }
  };
  before(async () => {
    tiny = await tinyProject();
  });
  after(() => tiny.cleanup());

  test('keeps each new file byte for byte under its dataset and ingestion day, and counts its records', async () => {
    // A quoted newline belongs to its record: three records, four lines.
    const customers = 'id,name,country\n1,Ann,France\n2,"Bob\nJr",Spain\n3,Cy,France\n';
    await tiny.drop('customers.csv', customers);
    await tiny.drop('orders_2026-01.csv', 'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n');
    await tiny.drop('notes.csv', 'a,b\n1,2\n');
    const result = await bronze();
    assert.deepEqual(result.details['files'], { 'customers.csv': 'ingested', 'orders_2026-01.csv': 'ingested', 'notes.csv': 'ignored: matches no dataset' });
    assert.equal(result.rowsOut, 4);
    const { manifest } = await readStates(tiny.lake, tiny.config.project);
    const entry = manifest.files.find((f) => f.name === 'customers.csv')!;
    assert.equal(entry.dataset, 'customers');
    assert.equal(entry.rows, 3);
    assert.equal(entry.version, 1);
    assert.match(entry.key, /^customers\/ingest_date=\d{4}-\d{2}-\d{2}\/customers\.csv$/);
    assert.equal((await tiny.lake.getBytes('bronze', entry.key))!.toString('utf8'), customers);
  });

  test('the same files again change nothing; a changed file is kept as its next version beside the first', async () => {
    const again = await bronze();
    assert.equal(again.details['skipped'], 'no new or changed source file');
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,Italy\n');
    const changed = await bronze();
    assert.equal((changed.details['files'] as Record<string, string>)['customers.csv'], 'new version');
    const versions = (await readStates(tiny.lake, tiny.config.project)).manifest.files.filter((f) => f.name === 'customers.csv');
    assert.deepEqual(versions.map((f) => f.version), [1, 2]);
    assert.match(versions[1]!.key, /customers\.v2\.csv$/);
    assert.ok(await tiny.lake.head('bronze', versions[0]!.key), 'the first version is kept');
  });

  test('a folder file not touched since it was ingested is not read again; new content of the same size is', async () => {
    const before = await bronze();
    assert.equal(before.rowsIn, 0, 'no file read: each has the size and times it had when ingested');
    // Same size, other content: its change time moved, so it is read, and found new.
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,Malta\n');
    const changed = await bronze();
    assert.equal((changed.details['files'] as Record<string, string>)['customers.csv'], 'new version');
    assert.equal(changed.rowsIn, 1);
  });

  test('an empty file is set aside with its reason, and nothing of it enters the manifest', async () => {
    await tiny.drop('orders_2026-02.csv', '');
    const result = await bronze();
    assert.equal((result.details['files'] as Record<string, string>)['orders_2026-02.csv'], 'quarantined');
    assert.match(JSON.stringify(result.details['quarantined']), /empty/i);
    assert.ok(!(await readStates(tiny.lake, tiny.config.project)).manifest.files.some((f) => f.name === 'orders_2026-02.csv'));
  });
  test('the sources bucket keeps what bronze kept, byte for byte, and nothing of a file it did not keep', async () => {
    const orders = 'order_id,customer_id,day,amount\n11,1,2026-03-05,7.25\n';
    await tiny.drop('orders_2026-03.csv', orders);
    await tiny.drop('orders_2026-03b.csv', orders); // same content under another name: not kept again
    await tiny.drop('orders_2026-04.csv', ''); // empty: set aside
    // Every copy made while reading is moved into the lake or deleted: none is left in the scratch space.
    const result = await bronzeIn(silentProgress, async (ctx) => assert.deepEqual(fs.readdirSync(path.join(ctx.scratchDir, 'bronze-copies')), []));
    const files = result.details['files'] as Record<string, string>;
    assert.equal(files['orders_2026-03.csv'], 'ingested');
    assert.match(files['orders_2026-03b.csv']!, /^unchanged: same content as orders_2026-03\.csv$/);
    assert.equal(files['orders_2026-04.csv'], 'quarantined');
    // Rows in are those taken in: the copy received before is not counted again, so in = out + quarantined.
    assert.deepEqual([result.rowsIn, result.rowsOut, result.quarantined], [1, 1, 0]);
    assert.equal((await tiny.lake.getBytes('sources', 'orders_2026-03.csv'))?.toString('utf8'), orders);
    assert.equal(await tiny.lake.head('sources', 'orders_2026-03b.csv'), undefined);
    assert.equal(await tiny.lake.head('sources', 'orders_2026-04.csv'), undefined);
  });
  test('a file written to while bronze reads it waits, whole, for the next run', async () => {
    const name = 'orders_2026-05.csv';
    const first = 'order_id,customer_id,day,amount\n21,1,2026-05-05,3.00\n';
    const late = '22,1,2026-05-06,4.00\n';
    await tiny.drop(name, first);
    // The writer appends a line once bronze has begun to read the file.
    const writer = { ...silentProgress, begin: (_stage: string, step: string) => step === `check ${name}` && fs.appendFileSync(path.join(tiny.config.sourcesDir, name), late) };
    const result = await bronzeIn(writer);
    assert.equal((result.details['files'] as Record<string, string>)[name], 'quarantined');
    assert.match((result.details['quarantined'] as Record<string, string>)[name]!, /changed while it was read/);
    assert.equal(await tiny.lake.head('sources', name), undefined);
    assert.ok(!(await readStates(tiny.lake, tiny.config.project)).manifest.files.some((f) => f.name === name));
    // Once the writer is done, the next run keeps it whole.
    const next = await bronze();
    assert.equal((next.details['files'] as Record<string, string>)[name], 'ingested');
    const entry = (await readStates(tiny.lake, tiny.config.project)).manifest.files.find((f) => f.name === name)!;
    assert.equal(entry.rows, 2);
    assert.equal((await tiny.lake.getBytes('bronze', entry.key))!.toString('utf8'), first + late);
  });
});
