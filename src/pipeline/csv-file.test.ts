import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspectCsv } from './csv-file.js';

/** The file is read in 4 MiB chunks of one reused buffer (csv-file.ts): these cross that boundary. */
const CHUNK = 4 << 20;

async function withFile(content: Buffer, check: (file: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-csv-file-'));
  try {
    const file = path.join(dir, 'big.csv');
    await fs.writeFile(file, content);
    await check(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** A CSV whose byte at `CHUNK` falls inside `middle`, padded with plain rows before and after (over a chunk's worth). */
function around(middle: string | Buffer, offsetInMiddle: number): Buffer {
  const header = 'id,name\n';
  const row = (i: number) => `${i},padding text\n`;
  const rows = [header];
  let length = header.length; // ASCII: characters are bytes
  let i = 0;
  while (length + 64 < CHUNK - offsetInMiddle) {
    rows.push(row(i++));
    length += rows[rows.length - 1]!.length;
  }
  // A last padding row of exactly the length that puts `middle`'s byte `offsetInMiddle` at CHUNK.
  const fill = CHUNK - offsetInMiddle - length - `${i},\n`.length;
  rows.push(`${i++},${'x'.repeat(fill)}\n`);
  const before = rows.join('');
  // More than a chunk after it, so that the next read overwrites the whole buffer.
  const after: string[] = [];
  for (let bytes = 0; bytes <= CHUNK; bytes += after[after.length - 1]!.length) after.push(row(i++));
  return Buffer.concat([Buffer.from(before), typeof middle === 'string' ? Buffer.from(middle) : middle, Buffer.from(after.join(''))]);
}

test('a multi-byte character across a chunk boundary is valid UTF-8, and the counts and checksum cover every chunk', async () => {
  // 'é' is 2 bytes, '€' 3, '😀' 4: the boundary falls after the first byte of each in turn.
  for (const [char, cut] of [['é', 1], ['€', 1], ['€', 2], ['😀', 3]] as const) {
    const middle = `99999,${char} name\n`;
    const content = around(middle, '99999,'.length + cut);
    assert.equal(content.subarray(0, CHUNK).toString('utf8').endsWith('\uFFFD'), true, `the boundary splits ${char}`);
    await withFile(content, async (file) => {
      const facts = await inspectCsv(file);
      const lines = content.toString('utf8').split('\n').filter((l) => l !== '');
      assert.equal(facts.records, lines.length - 1);
      assert.equal(facts.size, content.length);
      assert.equal(facts.sha256, createHash('sha256').update(content).digest('hex'));
      assert.equal(facts.headerLine, 'id,name');
    });
  }
});

test('an invalid byte right after a chunk boundary, or a quoted newline across it, is seen', async () => {
  const bad = around(Buffer.from('99999,\xff\xfe name\n', 'latin1'), '99999,'.length);
  await withFile(bad, async (file) => {
    await assert.rejects(inspectCsv(file), /big\.csv is not valid UTF-8 text/);
  });
  // A newline inside quotes, with the boundary between the quotes: one record, not two.
  const quoted = around('99999,"two\nlines"\n', '99999,"two'.length);
  await withFile(quoted, async (file) => {
    const plain = quoted.toString('utf8').split('\n').filter((l) => l !== '').length - 1;
    assert.equal((await inspectCsv(file)).records, plain - 1);
  });
});
