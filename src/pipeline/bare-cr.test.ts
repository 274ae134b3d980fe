import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bareCrs, copyWithoutBareCrs, type CrOptions } from './bare-cr.js';

/** `bareCrs` of a file holding `text`, and its two copies (a space for each bare CR; without the lines holding one). */
async function scanned(text: string | Buffer, options: Partial<CrOptions> = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-bare-cr-'));
  try {
    const file = path.join(dir, 'in.csv');
    await fs.writeFile(file, text);
    const scan = await bareCrs(file, { delimiter: ',', quoting: undefined, ...options });
    const spaced = await fs.readFile(await copyWithoutBareCrs(file, scan, path.join(dir, 'spaced.csv')), 'utf8');
    const dropped = await fs.readFile(await copyWithoutBareCrs(file, scan, path.join(dir, 'dropped.csv'), true), 'utf8');
    return { scan, spaced, dropped };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('a CR inside an unquoted field is found with its record and reader line; a CRLF, a CR inside quotes and a CR ending the file are none', async () => {
  const text = 'id,name\r\n1,"two\r\nlines"\r\n\r\n2,a\rb\r\n3,"x\ry"\r\n4,"q""\r"\r\n5, "sp\r"\r\n6,c\r7,d\r\n8,e\r';
  const { scan, spaced, dropped } = await scanned(text);
  assert.deepEqual(
    scan.lines.map((l) => [l.record, l.line, l.text]),
    [
      [1, 4, '2,a\rb'],
      [5, 8, '6,c\r7,d'],
    ],
  );
  assert.deepEqual(scan.crs, [text.indexOf('a\rb') + 1, text.indexOf('c\r7') + 1]);
  assert.equal(spaced, text.replace('a\rb', 'a b').replace('c\r7', 'c 7'));
  assert.equal(dropped, 'id,name\r\n1,"two\r\nlines"\r\n\r\n3,"x\ry"\r\n4,"q""\r"\r\n5, "sp\r"\r\n8,e\r');
});

test('bare CRs as the dataset quotes: with a backslash escape, without quotes, after skipped lines', async () => {
  assert.deepEqual((await scanned('id,t\n1,"a\\"\rb"\n2,c\rd\n', { quoting: '\\' })).scan.lines.map((l) => l.record), [1]);
  // (Read with quotes, `\"` would end the value before its CR.)
  assert.deepEqual((await scanned('id,t\n1,"a\\"\rb"\n', {})).scan.lines.map((l) => l.record), [0]);
  assert.deepEqual((await scanned('id\tt\n1\t"a\rb"\n', { delimiter: '\t', quoting: 'none' })).scan.lines.map((l) => l.text), ['1\t"a\rb"']);
  // A CR in a line before the header is patched, no record; the lines after are numbered past it.
  const { scan, spaced } = await scanned('Report\rMarch\nid,t\n1,x\ry\n', { skipLines: 1 });
  assert.deepEqual(scan.lines.map((l) => [l.record, l.line]), [[0, 3]]);
  assert.equal(spaced, 'Report March\nid,t\n1,x y\n');
});

test('bare CRs are found and patched across the 4 MiB chunks the file is read in; a CRLF split by them is none', async () => {
  const chunk = 4 << 20;
  /** A header and rows of `length` bytes in all, then `line` (its byte 4 at the first chunk's last byte) and a row. */
  const around = (line: string) => {
    const length = chunk - 5;
    let text = 'id,name\r\n';
    for (let i = 0; text.length < length - 2000; i++) text += `${i},padding text\r\n`;
    text += `0,${'p'.repeat(length - text.length - 4)}\r\n`;
    return `${text}${line}\r\n99,end\r\n`;
  };
  // Its CR the chunk's last byte, its LF the next chunk's first.
  assert.deepEqual((await scanned(around('9,ab'))).scan.crs, []);
  for (const line of ['9,ab\rcd', '9,a\rbcdef\rg']) {
    const text = around(line);
    const { scan, spaced, dropped } = await scanned(text);
    assert.deepEqual(scan.lines.map((l) => l.text), [line]);
    assert.deepEqual(scan.crs, [...line].flatMap((c, k) => (c === '\r' ? [chunk - 5 + k] : [])));
    assert.equal(spaced, text.replace(line, line.replace(/\r/g, ' ')));
    assert.equal(dropped, text.replace(`${line}\r\n`, ''));
  }
});
