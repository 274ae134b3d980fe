import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ColumnSpec, DatasetSpec, DecimalSeparator } from '../project/types.js';
import { shopDataset } from '../../test/support/shop.js';
import { Engine, sqlString as str } from '../engine/duckdb.js';
import { cleanDataset } from './cleaning.js';
import { matchHeader, parseHeader } from './csv-header.js';
import { typedExpr } from './row-rules.js';

// Numbers written with a magnitude after them (`52.34K`, Investing.com's and Yahoo's volumes), in a column declared `magnitudes: true`.

let engine: Engine;
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'magnitudes-'));
  engine = await Engine.open({ threads: 2, memoryLimit: '512MB' }, path.join(dir, 'spill'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const volume: ColumnSpec = { type: 'number', required: false, personal: false, magnitudes: true };

/** Each of `values` as silver reads it in a column of `spec`. */
async function read(values: string[], spec: ColumnSpec, decimalSeparator?: DecimalSeparator): Promise<unknown[]> {
  const rows = await engine.rows(`SELECT ${typedExpr('r', spec, 'r', decimalSeparator)} AS v FROM (VALUES ${values.map((v, i) => `(${i}, ${str(v)})`).join(', ')}) t(i, r) ORDER BY i`);
  return rows.map((r) => r['v']);
}

describe('magnitudes', () => {
  test('K, k, M, B and T after a number read as thousands, millions, billions and trillions, exactly as written', async () => {
    assert.deepEqual(await read(['52.34K', '1.23M', '2.10B', '1T', '-1.5k', ' 878.05K ', '0.27T', '1.07B', '12', '3.5', '1,234.5K', '1e-5K'], volume), [52340, 1230000, 2100000000, 1e12, -1500, 878050, 270000000000, 1070000000, 12, 3.5, 1234500, 0.01]);
    // No number before the magnitude, another letter, a magnitude before the number (an id: `B12`), or one too large for a double: no number.
    assert.deepEqual(await read(['K', '1.2.3K', '12X', 'B12', 'K9', '1.2 M', '1.2m', '1.5e300T', '1.2KK'], volume), Array(9).fill(null));
    // With decimal commas (Investing.com's German site: `52,34K`), and a unit before the number (`$1.2B`).
    assert.deepEqual(await read(['52,34K', '1.234,5M', '7'], volume, ','), [52340, 1234500000, 7]);
    assert.deepEqual(await read(['$1.2B', '$52.34K', '$7', '€1K'], { ...volume, unit: '$' }), [1200000000, 52340, 7, null]);
    // Without the declaration, the suffix is no number: the column reads as before.
    assert.deepEqual(await read(['52.34K', '12'], { type: 'number', required: false, personal: false }), [null, 12]);
  });

  test('silver reads the declared column only; a lone "-" is missing, a value whose magnitude does not read is quarantined naming the column', async () => {
    const spec: DatasetSpec = {
      ...shopDataset('achats'),
      name: 'btc',
      key: [],
      partitionBy: undefined,
      rules: [],
      references: [],
      nullValues: ['-'],
      columns: { day: { type: 'text', required: false, personal: false }, vol: volume, code: { type: 'text', required: false, personal: false } },
    };
    const csv = '"day","vol","code"\n"d1","52.34K","1.2M"\n"d2","-","K9"\n"d3","1.23M","B12"\n"d4","12X","x"\n"d5","2.10B","y"\n';
    const csvPath = path.join(dir, 'btc.csv');
    await fs.writeFile(csvPath, csv);
    const outDir = path.join(dir, 'btc');
    await fs.mkdir(outDir);
    const header = matchHeader(parseHeader(csv.split('\n')[0]!, ','), spec).names;
    const result = await cleanDataset(engine, spec, csvPath, { header, sourceName: 'btc.csv', outDir, today: '2026-06-15' });
    try {
      const rows = await engine.rows(`SELECT day, vol, code FROM ${result.validRelation} ORDER BY _record`);
      assert.deepEqual(rows, [
        { day: 'd1', vol: 52340, code: '1.2M' },
        { day: 'd2', vol: null, code: 'K9' },
        { day: 'd3', vol: 1230000, code: 'B12' },
        { day: 'd5', vol: 2100000000, code: 'y' },
      ]);
      const quarantine = await engine.rows(`SELECT _record, _reason, _detail FROM read_parquet('${result.quarantineFile}')`);
      assert.deepEqual(quarantine, [{ _record: 4, _reason: 'invalid_number:vol', _detail: 'vol "12X" is not a valid number (K, M, B or T after it for thousands, millions, billions, trillions)' }]);
    } finally {
      await result.dispose();
    }
  });
});
