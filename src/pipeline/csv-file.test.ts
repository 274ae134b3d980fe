import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkTextStart, countRecords, hasMixedLineEnds, inspectCsv, recordsAndEnds } from './csv-file.js';
import { inspectHeader } from './csv-header.js';
import { endsWithEofMark, isUtf8File, readableCopy } from './csv-encoding.js';
import { wideLines } from './wide-lines.js';
import { UserError } from '../errors.js';

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

test('lines before the header (skip_lines): the header after them, the records after it, blank lines counted as lines', async () => {
  const text = '\uFEFF"Data Source","WDI",\r\n\r\n"Last Updated Date","2024-06-28",\r\n\r\n"Country Name","2023",\r\n"Aruba","106277",\r\n\r\n"Chad","18278568",\r\n';
  await withFile(Buffer.from(text), async (file) => {
    const facts = await inspectCsv(file, undefined, 4);
    assert.equal(facts.headerLine, '"Country Name","2023",');
    assert.equal(facts.records, 2);
    assert.equal(await countRecords(file, 4), 2);
    assert.deepEqual(await inspectHeader(file, ',', 4), ['Country Name', '2023', '']);
    // Without skip_lines the first line is the header, and the notes are records.
    assert.equal((await inspectCsv(file)).records, 4);
    // A file that ends within the lines to skip has no header.
    for (const check of [() => inspectCsv(file, undefined, 9), () => countRecords(file, 9), () => inspectHeader(file, ',', 9)]) {
      await assert.rejects(check, (err: unknown) => err instanceof UserError && /no header line after the 9 lines skip_lines skips/.test(err.message));
    }
  });
  // The header as the last line, without a newline, after a skipped line.
  await withFile(Buffer.from('Title\nid,name'), async (file) => {
    const facts = await inspectCsv(file, undefined, 1);
    assert.equal(facts.headerLine, 'id,name');
    assert.equal(facts.records, 0);
  });
});

test('a windows-1252 header with € reads as €, not as U+0080 (Node 20 decodes a whole buffer as Latin-1)', async () => {
  await withFile(Buffer.from('id;Montant (\x80);Ville\r\n1;12,50;Besan\xe7on\r\n', 'latin1'), async (file) => {
    assert.equal((await inspectCsv(file, undefined, 0, 'windows-1252')).headerLine, 'id;Montant (€);Ville');
    assert.deepEqual(await inspectHeader(file, ';', 0, 'windows-1252'), ['id', 'Montant (€)', 'Ville']);
  });
});

test('a windows-1252 dataset: a file that is not UTF-8 is read as windows-1252; one that is UTF-8 (a BOM too) stays UTF-8, not mojibake', async () => {
  await withFile(Buffer.from('nom;ville\r\nRen\xe9;Orl\xe9ans\r\n', 'latin1'), async (file) => {
    await assert.rejects(inspectCsv(file), /is not valid UTF-8 text/);
    const facts = await inspectCsv(file, undefined, 0, 'windows-1252');
    assert.deepEqual([facts.encoding, facts.records], ['windows-1252', 1]);
  });
  await withFile(Buffer.from('\uFEFFrégion;montant\r\nÎle-de-France;2,5\r\n'), async (file) => {
    const facts = await inspectCsv(file, undefined, 0, 'windows-1252');
    assert.deepEqual([facts.encoding, facts.headerLine], ['utf-8', 'région;montant']);
  });
  // Past the first chunk: a file UTF-8 at first, then not.
  const late = Buffer.concat([Buffer.from(`id,name\n${'1,plain text\n'.repeat(400_000)}`), Buffer.from('2,Ren\xe9\n', 'latin1')]);
  await withFile(late, async (file) => {
    assert.equal((await inspectCsv(file, undefined, 0, 'windows-1252')).encoding, 'windows-1252');
    assert.equal(await isUtf8File(file), false);
  });
});

test('UTF-16 told by its byte-order mark (LE or BE): counted, its header read and copied as UTF-8, whatever the dataset declares; the checksum and size are the file\'s own', async () => {
  // 'é' and '😀' (a surrogate pair) cut by the 4 MiB read: the padding puts the boundary inside them in turn.
  const rows = ['Campagne\tClics\tCoût', ...Array.from({ length: 300_000 }, (_, i) => `Été 😀 ${i}\t${i}\t"${i},5\r\nnote"`)];
  const text = `${rows.join('\r\n')}\r\n`;
  for (const [encoding, bytes] of [
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
  ] as const) {
    await withFile(bytes, async (file) => {
      for (const declared of ['utf-8', 'windows-1252'] as const) {
        const facts = await inspectCsv(file, undefined, 0, declared);
        assert.deepEqual([facts.encoding, facts.records, facts.headerLine, facts.size], [encoding, 300_000, 'Campagne\tClics\tCoût', bytes.length]);
        assert.equal(facts.sha256, createHash('sha256').update(bytes).digest('hex'));
      }
      assert.equal(await countRecords(file), 300_000);
      assert.equal(await hasMixedLineEnds(file), false);
      assert.deepEqual(await inspectHeader(file, '\t'), ['Campagne', 'Clics', 'Coût']);
      const copy = await readableCopy(file, {}, `${file}.utf8.csv`);
      assert.equal(await fs.readFile(copy, 'utf8'), text);
    });
  }
  // Without the mark, NUL bytes in the first line: refused, saying what to do.
  await withFile(Buffer.from('id,name\n1,a\n', 'utf16le'), async (file) => {
    await assert.rejects(inspectCsv(file), /not UTF-8 text: its first line has NUL bytes \(UTF-16 without the byte-order mark/);
  });
  // A workbook saved under a CSV's name: said so, not taken for UTF-16.
  await withFile(Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00\x08\x00', 'latin1'), Buffer.alloc(64, 7)]), async (file) => {
    await assert.rejects(inspectCsv(file), { message: /is not a CSV file: it is a ZIP archive \(an Excel \.xlsx workbook/, hint: /save it as "CSV UTF-8"/ } as object);
    await assert.rejects(checkTextStart(file), /is not a CSV file: it is a ZIP archive/);
  });
  await withFile(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), Buffer.alloc(64, 1)]), async (file) => {
    await assert.rejects(inspectCsv(file), /it is an Excel 97-2003 workbook/);
  });
  // A .csv.gz saved as .csv: not taken for UTF-16 (its header has NUL bytes) nor for windows-1252 text.
  const { gzipSync } = await import('node:zlib');
  await withFile(gzipSync('id,name\n1,a\n2,b\n'), async (file) => {
    await assert.rejects(inspectCsv(file), { message: /is not a CSV file: it is gzip-compressed/, hint: /gunzip -c/ } as object);
    await assert.rejects(checkTextStart(file), /is not a CSV file: it is gzip-compressed/);
  });
});

test('JSON, a web page or XML saved under a CSV name is refused saying what it is, not read as a table of odd columns', async () => {
  const cases: [string, RegExp][] = [
    ['[{"id":1,"name":"a"},{"id":2,"name":"b"}]\n', /is not a CSV file: it is JSON$/],
    ['\uFEFF{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n', /is not a CSV file: it is JSON$/],
    ['<!DOCTYPE html>\n<html><body>Sign in to download</body></html>\n', /is not a CSV file: it is an HTML page/],
    ['<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>\n', /is not a CSV file: it is an XML document/],
  ];
  for (const [text, refusal] of cases) {
    await withFile(Buffer.from(text), async (file) => {
      await assert.rejects(inspectCsv(file), refusal);
      await assert.rejects(checkTextStart(file), refusal);
    });
  }
  // A header that only looks alike is read: brackets around names, a brace inside a quoted name.
  for (const text of ['[id],[name]\n1,a\n', '"{id}",name\n1,a\n', 'html,xml\n1,2\n']) {
    await withFile(Buffer.from(text), async (file) => {
      assert.equal((await inspectCsv(file)).records, 1);
      await checkTextStart(file);
    });
  }
});

test('a UTF-8 file with a few windows-1252 lines is read line by line, each as written; a double-byte file (Shift_JIS) is refused, not garbled', async () => {
  const rows = Array.from({ length: 2000 }, (_, i) => `${i},Müller ${i},Zürich`);
  const bytes = Buffer.concat([Buffer.from(`id,name,city\n${rows.join('\n')}\n`), Buffer.from('2000,Jürgen,Orléans €\n', 'latin1').map((b) => (b === 0xac ? 0x80 : b))]);
  await withFile(Buffer.from(bytes), async (file) => {
    const facts = await inspectCsv(file, undefined, 0, 'windows-1252');
    assert.deepEqual([facts.encoding, facts.records], ['windows-1252', 2001]);
    const text = await fs.readFile(await readableCopy(file, { encoding: 'windows-1252' }, `${file}.utf8.csv`), 'utf8');
    assert.ok(text.includes('1999,Müller 1999,Zürich\n2000,Jürgen,Orléans €\n'));
  });
  // 社員番号,氏名 / 1,山田 太郎 in Shift_JIS: every character two bytes past ASCII.
  const sjis = Buffer.from([0x8e, 0xd0, 0x88, 0xf5, 0x94, 0xd4, 0x8d, 0x86, 0x2c, 0x8e, 0x81, 0x96, 0xbc, 0x0a, 0x31, 0x2c, 0x8e, 0x52, 0x93, 0x63, 0x20, 0x91, 0xbe, 0x98, 0x59, 0x0a]);
  await withFile(sjis, async (file) => {
    for (const declared of ['utf-8', 'windows-1252'] as const) {
      await assert.rejects(inspectCsv(file, undefined, 0, declared), /is neither UTF-8 nor windows-1252 text: its bytes pair as Japanese Shift_JIS \(Windows' CP932\) writes them/);
    }
  });
  // Western text with accented letters side by side (Portuguese ção), Excel's non-breaking space before €, curly quotes: windows-1252.
  const western = Buffer.from('obra;valor\nAdministração;1\xa0248,61 \x80\nConceição de São João;\x93ok\x94\nAções públicas;«x»\nÆrø Ouvre;2\n', 'latin1');
  await withFile(western, async (file) => {
    const facts = await inspectCsv(file, undefined, 0, 'windows-1252');
    assert.deepEqual([facts.encoding, facts.records], ['windows-1252', 4]);
  });
  // GBK/EUC-KR-like text: every byte past ASCII paired.
  const paired = Buffer.concat([Buffer.from('id,name\n'), ...Array.from({ length: 12 }, (_, i) => Buffer.from([0x31 + (i % 9), 0x2c, 0xc4, 0xe3, 0xba, 0xc3, 0xca, 0xc0, 0x0a]))]);
  await withFile(paired, async (file) => {
    await assert.rejects(inspectCsv(file, undefined, 0, 'windows-1252'), /is neither UTF-8 nor windows-1252 text/);
  });
});

/** Text as windows-1252 writes it (Node writes Latin-1, without €, curly quotes or dashes; and decodes a whole buffer so: streamed). */
const WINDOWS_1252 = new Map(Array.from({ length: 256 }, (_, b) => [new TextDecoder('windows-1252').decode(Uint8Array.of(b), { stream: true }), b]));
const cp1252 = (text: string) => Buffer.from([...text].map((c) => WINDOWS_1252.get(c)!));

/** 500 rows of ASCII, `rows` among them (bytes of any encoding), as exports with a few names in another script are. */
function fewAmongMany(rows: Buffer[]): Buffer {
  const plain = (i: number) => Buffer.from(`${i},C${i},Paris,12.50\r\n`);
  return Buffer.concat([Buffer.from('id,customer,city,amount\r\n'), ...Array.from({ length: 500 }, (_, i) => (i % 150 === 10 && rows[(i - 10) / 150] ? Buffer.concat([Buffer.from(`${i},C${i},`), rows[(i - 10) / 150]!, Buffer.from(',12.50\r\n')]) : plain(i)))]);
}

test('a few words of GBK or Shift_JIS among ASCII rows are refused, naming the encoding; Western windows-1252 text, however sparse, is not', async () => {
  const gbk = [[0xb1, 0xb1, 0xbe, 0xa9], [0xc9, 0xcf, 0xba, 0xa3], [0xb9, 0xe3, 0xd6, 0xdd]].map((b) => Buffer.from(b)); // 北京, 上海, 广州
  const tokyo = Buffer.from([0x93, 0x8c, 0x8b, 0x9e]); // 東京
  const yokohama = Buffer.from([0x89, 0xa1, 0x95, 0x6c]); // 横浜: a trail byte is ASCII (`l`)
  for (const [rows, encoding] of [[gbk, 'GB18030'], [gbk.slice(0, 1), 'GB18030'], [[tokyo], 'CP932'], [[tokyo, tokyo, tokyo], 'CP932'], [[yokohama], 'CP932']] as const) {
    await withFile(fewAmongMany([...rows]), async (file) => {
      for (const declared of ['utf-8', 'windows-1252'] as const) {
        await assert.rejects(inspectCsv(file, undefined, 0, declared), (err: unknown) => {
          assert.ok(err instanceof UserError);
          assert.match(err.message, /^big\.csv is neither UTF-8 nor windows-1252 text: its bytes pair as (Chinese GBK|Japanese Shift_JIS)/);
          assert.equal(err.hint?.startsWith(`save it as UTF-8, for example: iconv -f ${encoding} -t UTF-8 big.csv > big.utf8.csv`), true, err.hint);
          return true;
        });
      }
      // init and check --sources give the path as given: the copy goes beside it, the original stays.
      await assert.rejects(checkTextStart(file, 'big.csv', 'windows-1252', false), (err: unknown) => {
        assert.ok(err instanceof UserError && err.hint?.includes(`iconv -f ${encoding} -t UTF-8 ${file} > ${path.join(path.dirname(file), 'big.utf8.csv')}`), String(err instanceof UserError && err.hint));
        return true;
      });
    });
  }
  // Western text alone in 500 rows, or a few of them: every accent, sign and quote Western exports write.
  const western = ['Müller', 'Ærø', 'São Paulo', 'Straße', 'Crème brûlée – 12,50 €', '« Bonjour »', '“Quoted” — ok', 'l’été', 'don’t', '¿Qué? ¡Olé!', 'Señora Peña',
    'Descrição', 'Conceição', 'Ações', 'INFORMAÇÃO', 'Björk Guðmundsdóttir', 'Þórshöfn', 'Ærøskøbing', 'Fußgängerübergänge', 'ÜBERGRÖSSE', '1\u00a0248,61 €', 'œuvre', 'Côte-d’Or', '«Élan»', '25 °C ± 2', 'Hämeenlinna',
    // Accented letters only (a German export's test value): bytes GBK would pair, but letters of windows-1252.
    'ÄÖÜß', 'ÄÖÜß ÄÖÜß'];
  for (const rows of [...western.map((w) => [w]), western.slice(0, 3), western.slice(10, 13), western]) {
    await withFile(fewAmongMany(rows.map(cp1252)), async (file) => {
      assert.equal((await inspectCsv(file, undefined, 0, 'windows-1252')).encoding, 'windows-1252', rows.join(' '));
    });
  }
});

test("a CP932 export (Windows' Shift_JIS, with NEC's ㈱ and ①, on which iconv's SHIFT_JIS stops) is said to be CP932; bytes of no double-byte encoding are not named", async () => {
  // 日付,摘要,金額 / 2024/1/1,振込 ㈱ヤマダ商事 ①,1000
  const header = Buffer.from('93fa95742c93459776 2c8be08a7a0d0a'.replaceAll(' ', ''), 'hex');
  const row = Buffer.concat([Buffer.from('2024/1/1,'), Buffer.from('90558d9e20878a8384837d835f8fa48e962087 40'.replaceAll(' ', ''), 'hex'), Buffer.from(',1000\r\n')]);
  await withFile(Buffer.concat([header, row, row]), async (file) => {
    await assert.rejects(inspectCsv(file), { message: /its bytes pair as Japanese Shift_JIS \(Windows' CP932\) writes them/, hint: /iconv -f CP932 -t UTF-8 big\.csv > big\.utf8\.csv/ } as object);
  });
  // Mac Roman's é (0x8E) and windows-1250's ť (0x9D) beside Western text: no encoding named, where iconv wants one.
  await withFile(Buffer.from('id,nom\n1,Caf\x8e au lait\n2,Ma\x9d\n', 'latin1'), async (file) => {
    await assert.rejects(inspectCsv(file, undefined, 0, 'windows-1252'), { message: /it holds bytes windows-1252 does not define/, hint: /iconv -f ENCODING -t UTF-8 big\.csv > big\.utf8\.csv, and give that file instead; ENCODING is its encoding/ } as object);
  });
});

test('lines ended with CR only (old Mac): counted across chunks, header read, copied with LF, UTF-16 too; the checksum and size are the file\'s own', async () => {
  const rows = ['ref,note', ...Array.from({ length: 400_000 }, (_, i) => `${i},"a\rb ${i}"`)];
  const text = rows.join('\r');
  for (const bytes of [Buffer.from(text), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])]) {
    await withFile(bytes, async (file) => {
      const facts = await inspectCsv(file);
      assert.deepEqual([facts.records, facts.headerLine, facts.size, facts.mixedLineEnds], [400_000, 'ref,note', bytes.length, false]);
      assert.equal(facts.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(await countRecords(file), 400_000);
      assert.deepEqual(await inspectHeader(file, ','), ['ref', 'note']);
      const copy = await readableCopy(file, {}, `${file}.lf.csv`);
      assert.equal(await fs.readFile(copy, 'utf8'), text.replaceAll('\r', '\n'));
    });
  }
  // Lines ended with CR and LF both (a cell's line break written LF, rows appended with CRLF): not told apart, refused.
  for (const text of ['id,name\r4,"in-cell\nbreak"\r5,eve\r', 'id,name\r1,a\r2,b\r\n3,c\r\n']) {
    await withFile(Buffer.from(text), async (file) => {
      await assert.rejects(inspectCsv(file), /ends its lines with CR only \(old Mac style\), and has LF line ends too/);
    });
  }
  // A CR inside quotes of a file ending its lines with LF stays the value's: that file is no CR-only one.
  await withFile(Buffer.from('ref,note\n1,"a\rb"\n'), async (file) => {
    assert.equal(await countRecords(file), 1);
    assert.equal(await readableCopy(file, {}, `${file}.lf.csv`), file);
  });
});

test('records ending with an empty field are counted, the header aside (the delimiter last, a CR after it too, or `""` after it), and a line one field too wide is found, across a chunk boundary too', async () => {
  await withFile(Buffer.from('a,b,c,\n1,x,\n2,y,z\r\n3,y,""\n4,"q,",z\n5,y,z,\r\n6;7::\n'), async (file) => {
    assert.equal((await inspectCsv(file)).endsWithDelimiter, 3);
    assert.equal((await inspectCsv(file, undefined, 0, 'utf-8', 'none')).endsWithDelimiter, 2);
    assert.equal((await inspectCsv(file, undefined, 0, 'utf-8', undefined, '::')).endsWithDelimiter, 1);
  });
  for (const [middle, cut] of [['99999,x,\n', 8], ['99999,x,\r\n', 9], ['99999,x,\r\n', 8], ['99999,x,""\n', 9], ['99999,x,""\n', 7]] as const) {
    const text = around(middle, cut);
    await withFile(text, async (file) => {
      assert.equal((await inspectCsv(file)).endsWithDelimiter, 1, JSON.stringify([middle, cut]));
      const wide = await wideLines(file, { columns: 2, delimiter: ',', quoting: undefined });
      const line = text.subarray(0, text.indexOf(middle)).toString().split('\n').length;
      assert.deepEqual(wide.lines.map((l) => [l.line, l.fields, l.text]), [[line, 3, middle.trimEnd()]]);
      assert.equal(wide.records, text.toString().split('\n').filter((l) => l !== '').length - 1);
    });
  }
});

test('quote: none: a " is a character, every non-blank line after the header a record', async () => {
  await withFile(Buffer.from('id\ttitle\n1\t12" Single\n2\t"Quoted\n3\tThe "Hi" Show\n'), async (file) => {
    assert.equal((await inspectCsv(file, undefined, 0, 'utf-8', 'none')).records, 3);
    assert.equal(await countRecords(file, 0, 'none'), 3);
    // Read with quotes, the open quote of line 2 swallows the rest.
    assert.equal(await countRecords(file), 2);
  });
});

test('escape: backslash: \\" inside quotes is a quote of the value (across a chunk boundary too), \\\\" ends the value', async () => {
  const small = Buffer.from('id,title\n1,"He said \\"hi\\"\nand left"\n2,"back\\\\"\n3,"a \\"b, c\\" d"\n4,"C:\\\\dir\\\\"\n');
  await withFile(small, async (file) => {
    assert.equal((await inspectCsv(file, undefined, 0, 'utf-8', '\\')).records, 4);
    assert.equal(await countRecords(file, 0, '\\'), 4);
  });
  // Read as the CSV standard, the quote after \ closes the value: the newline inside it ends a record, and the next quote opens one that runs on.
  await withFile(Buffer.from('id,title\n1,"x \\"\ny"\n2,"plain"\n3,z\n'), async (file) => {
    assert.equal(await countRecords(file, 0, '\\'), 3);
    assert.equal(await countRecords(file), 2);
  });
  // The boundary between the backslash and the quote it escapes: the value goes on over the newline.
  const split = around('99999,"a \\"\nb"\n', '99999,"a \\'.length);
  await withFile(split, async (file) => {
    const lines = split.toString('utf8').split('\n').filter((l) => l !== '').length - 1;
    assert.equal((await inspectCsv(file, undefined, 0, 'utf-8', '\\')).records, lines - 1);
  });
  // An escaped backslash before the boundary, the quote after: the value ends there.
  const ends = around('99999,"a \\\\"\n', '99999,"a \\\\'.length);
  await withFile(ends, async (file) => {
    const lines = ends.toString('utf8').split('\n').filter((l) => l !== '').length - 1;
    assert.equal(await countRecords(file, 0, '\\'), lines);
  });
});

test('line ends of both kinds, or CR CR LF, anywhere outside quotes (a blank line, before the header) are told, and the copy silver reads ends every line with LF; a newline inside quotes is the value\'s', async () => {
  for (const [text, mixed, skip] of [
    ['id,name\r\n1,a\n2,b\r\n', true, 0],
    ['id,name\n1,a\n2,b\r\n', true, 0],
    ['id,name\r\n1,a\r\n2,b\r\n', false, 0],
    ['id,name\n1,a\n2,b\n', false, 0],
    // DuckDB refuses each of these whole.
    ['id,name\r\n3,c\r\n4,d\r\n\n', true, 0],
    ['id,name\n1,a\n\r\n2,b\n', true, 0],
    ['id,name\r\r\n1,a\r\r\n', true, 0],
    ['Exported 2024-03-01\r\nid,name\n1,a\n', true, 1],
    // A newline inside quotes is the value's, of either kind, and DuckDB reads it so: Excel ends rows with CRLF and a cell's lines with LF.
    ['id,name\n1,"x\r\ny"\n2,b\n', false, 0],
    ['id,name\r\n1,"x\ny"\r\n2,b\r\n', false, 0],
    ['id,name\r\n1,"x\ny"\r\n2,b\n', true, 0],
    // In the header's quotes, it counts: DuckDB would take that LF for the file's line end and read nothing.
    ['"Order\nID","Total\nAmount"\r\n1,10\r\n2,20\r\n', true, 0],
  ] as const) {
    await withFile(Buffer.from(text), async (file) => {
      assert.equal((await inspectCsv(file, undefined, skip)).mixedLineEnds, mixed, JSON.stringify(text));
      assert.equal(await hasMixedLineEnds(file), mixed, JSON.stringify(text));
      if (mixed) assert.equal((await fs.readFile(await readableCopy(file, { mixedLineEnds: true }, `${file}.lf.csv`), 'utf8')), text.replace(/\r+\n/g, '\n'));
    });
  }
  // CR CR LF whose LF starts the second 4 MiB read: told as well.
  const crcr = around('99999,last\r\r\n', '99999,last\r\r'.length);
  assert.equal(crcr[CHUNK], 10);
  await withFile(crcr, async (file) => {
    assert.equal((await inspectCsv(file)).mixedLineEnds, true);
    assert.equal(await hasMixedLineEnds(file), true);
  });
  // A CR ending the first 4 MiB read, its LF starting the next: one line end, made LF.
  const content = around('99999,last\r\n', '99999,last\r'.length);
  assert.equal(content[CHUNK - 1], 13);
  await withFile(content, async (file) => {
    const copy = await readableCopy(file, { mixedLineEnds: true }, `${file}.lf.csv`);
    const out = await fs.readFile(copy);
    assert.equal(out.includes(13), false);
    assert.equal(out.toString('utf8'), content.toString('utf8').replaceAll('\r\n', '\n'));
    // Nothing to change: the file itself is read.
    assert.equal(await readableCopy(file, {}, `${file}.same.csv`), file);
  });
});

test('a Ctrl-Z ending the file (DOS and dBase exports) is no character of the last value nor a record; the copy silver reads leaves it out, in every encoding; bronze keeps the bytes', async () => {
  const rows = Array.from({ length: 200 }, (_, i) => `${1000 + i},CUSTOMER ${i},502.17,11/15/1998`).join('\r\n');
  const text = `ID,NAME,AMOUNT,DATE\r\n${rows}`;
  // After the last value, and alone after the last line end.
  for (const [marked, plain] of [[`${text}\x1a`, text], [`${text}\r\n\x1a`, `${text}\r\n`]] as const) {
    for (const [bytes, copy] of [
      [Buffer.from(marked), {}],
      [cp1252(marked.replace('CUSTOMER 0', 'Müller')), { encoding: 'windows-1252' as const }],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(marked.replace('CUSTOMER 0', 'Müller'), 'utf16le')]), {}],
      [Buffer.from(marked.replace('\r\n1001', '\n1001')), { mixedLineEnds: true }],
    ] as const) {
      await withFile(bytes, async (file) => {
        const facts = await inspectCsv(file, undefined, 0, 'encoding' in copy ? copy.encoding : 'utf-8');
        assert.deepEqual([facts.records, facts.eofMark, facts.size], [200, true, bytes.length]);
        assert.equal(facts.sha256, createHash('sha256').update(bytes).digest('hex'));
        assert.equal(await countRecords(file), 200);
        assert.equal(await endsWithEofMark(file), true);
        const read = await fs.readFile(await readableCopy(file, { ...copy, eofMark: true }, `${file}.utf8.csv`), 'utf8');
        const expected = plain.replace('CUSTOMER 0', 'encoding' in copy || bytes[0] === 0xff ? 'Müller' : 'CUSTOMER 0');
        assert.equal(read, 'mixedLineEnds' in copy ? expected.replace(/\r\n/g, '\n') : expected);
      });
    }
  }
  // A last record ending with an empty field before the mark ends with the delimiter, as it would without it.
  await withFile(Buffer.from('id,a,b\n1,x,\n2,y,\x1a'), async (file) => {
    assert.deepEqual(await recordsAndEnds(file, 0, undefined, ','), { records: 2, endsWithDelimiter: 2 });
  });
  // One anywhere else is a character like any other: counted, kept.
  await withFile(Buffer.from('id,note\n1,a\x1ab\n2,\x1a\n'), async (file) => {
    assert.deepEqual([(await inspectCsv(file)).records, (await inspectCsv(file)).eofMark, await endsWithEofMark(file)], [2, false, false]);
  });
  // A header and its mark, no row.
  await withFile(Buffer.from('id,name\x1a'), async (file) => {
    assert.deepEqual([(await inspectCsv(file)).headerLine, (await inspectCsv(file)).records], ['id,name', 0]);
  });
});
