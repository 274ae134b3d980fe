import path from 'node:path';
import { UserError } from '../errors.js';
import { readTextStart } from './csv-encoding.js';
import { doubleByteEncoding, readsAsWindows1252 } from './double-byte.js';

// Why a source file's text cannot be read (a workbook under a CSV's name, UTF-16 without its mark, text
// neither UTF-8 nor windows-1252), in one line and a hint: bronze, init and `check --sources` say it
// alike. `shown` is the file as the user knows it (the path given to init, the name in the sources):
// the hint's command saves a UTF-8 copy beside it, the export as received kept.

/** Workbooks and archives saved under a CSV's name, told by their first bytes: no text to re-encode. */
const BINARY_KINDS: [Buffer, string, string][] = [
  [Buffer.from('PK\x03\x04', 'latin1'), 'a ZIP archive (an Excel .xlsx workbook, or a zipped export)', 'open it in Excel and save it as "CSV UTF-8", or unzip it and give the CSV inside'],
  [Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), 'an Excel 97-2003 workbook (.xls)', 'open it in Excel and save it as "CSV UTF-8"'],
  [Buffer.from('PAR1', 'latin1'), 'a Parquet file', 'give bronze CSV files; DuckDB can write one: COPY (FROM \'file.parquet\') TO \'file.csv\''],
  [Buffer.from([0x1f, 0x8b]), 'gzip-compressed (a .csv.gz saved under a .csv name?)', 'decompress it, for example gunzip -c file.csv > plain.csv, and give the plain CSV'],
  [Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'), 'a 7-Zip archive', 'extract it and give the CSV inside'],
  [Buffer.from('%PDF-', 'latin1'), 'a PDF document', 'export the data itself as CSV from where the PDF came from'],
  [Buffer.from('SQLite format 3\0', 'latin1'), 'an SQLite database', 'export its table as CSV: sqlite3 -header -csv file.db "SELECT * FROM t" > t.csv'],
];

/**
 * Text under a CSV's name that holds no table, told by how its first line begins: its header would be
 * read as columns named `[{"id":1` and the file as a table of nothing.
 */
const TEXT_KINDS: [RegExp, string, string][] = [
  [/^\s*(\[\s*[{["]|\{\s*")/, 'JSON', "export it as CSV, or convert it, for example with DuckDB: COPY (FROM read_json('file.json')) TO 'file.csv'"],
  [/^\s*<(!doctype html|html[\s>])/i, 'an HTML page (a download that saved a sign-in or error page in place of the export?)', 'download the export again and check that it opens as a table'],
  [/^\s*<\?xml\b/i, 'an XML document (an Excel 2003 XML spreadsheet, or an XML export?)', 'open it in Excel and save it as "CSV UTF-8", or export the data as CSV'],
];

/** The refusal of a text file holding JSON, a web page or XML under a CSV's name (from its first line); undefined for anything else. */
export function notTableText(name: string, firstLine: string): UserError | undefined {
  const kind = TEXT_KINDS.find(([start]) => start.test(firstLine.replace(/^\uFEFF/, '')));
  return kind && new UserError(`${name} is not a CSV file: it is ${kind[1]}`, kind[2]);
}

/** The refusal of a workbook or archive under a CSV's name, told by its first bytes; undefined for anything else. */
export function binaryKind(name: string, start: Buffer): UserError | undefined {
  const binary = BINARY_KINDS.find(([magic]) => start.subarray(0, magic.length).equals(magic));
  return binary && new UserError(`${name} is not a CSV file: it is ${binary[1]}`, binary[2]);
}

/** A file whose first line has NUL bytes: UTF-16 without its byte-order mark, or a workbook. */
export function utf16(name: string, start: Buffer, shown = name): UserError {
  return binaryKind(name, start) ?? new UserError(
    `${name} is not UTF-8 text: its first line has NUL bytes (UTF-16 without the byte-order mark that would tell it?)`,
    `save it as UTF-8, for example: ${toUtf8(shown, 'UTF-16LE')}, and give that file instead`,
  );
}

/**
 * A file that is not UTF-8, refused: read as windows-1252 if it is Western European text, or saved
 * again as UTF-8; a file whose bytes pair as double-byte encodings write them (Shift_JIS...) is told so,
 * windows-1252 would garble it.
 */
export async function notUtf8Of(file: string, name: string, shown = name): Promise<UserError> {
  const start = await readTextStart(file, 1 << 20);
  const binary = binaryKind(name, start);
  if (binary) return binary;
  if (readsAsWindows1252(start)) return notUtf8(name, shown);
  return notWindows1252(name, start, shown);
}

/** The refusal of a file windows-1252 would garble (see readsAsWindows1252; its first MiB), or undefined when it reads so. */
export async function windows1252Problem(file: string, name: string, shown = name): Promise<UserError | undefined> {
  const start = await readTextStart(file, 1 << 20);
  return readsAsWindows1252(start) ? undefined : notWindows1252(name, start, shown);
}

/** Said with the encoding the bytes read as, when they tell it: iconv's -f is what fails most often (SHIFT_JIS stops at CP932's `㈱`). */
function notWindows1252(name: string, start: Uint8Array, shown: string): UserError {
  const encoding = doubleByteEncoding(start);
  const what = {
    GB18030: 'its bytes pair as Chinese GBK (GB18030) writes them',
    CP932: "its bytes pair as Japanese Shift_JIS (Windows' CP932) writes them",
    unknown: 'it holds bytes windows-1252 does not define, or pairs them as double-byte encodings do (Shift_JIS, GBK, Big5, EUC-KR, Mac Roman?)',
  }[encoding ?? 'unknown'];
  const command = toUtf8(shown, encoding ?? 'ENCODING');
  // Big5 and EUC-KR pair their bytes as GBK does: only the text's language tells them apart.
  const also = {
    GB18030: '; BIG5 in place of GB18030 for text of Taiwan or Hong Kong, EUC-KR for Korean',
    CP932: '',
    unknown: '; ENCODING is its encoding as `iconv -l` names it: CP932, GB18030, BIG5, EUC-KR, MACINTOSH, WINDOWS-1250...',
  }[encoding ?? 'unknown'];
  return new UserError(`${name} is neither UTF-8 nor windows-1252 text: ${what}, which windows-1252 would garble`, `save it as UTF-8, for example: ${command}, and give that file instead${also}`);
}

function notUtf8(name: string, shown: string): UserError {
  return new UserError(
    `${name} is not valid UTF-8 text`,
    `if it is Excel's or a Western European export, set encoding: windows-1252 in its dataset definition; else save it as UTF-8, for example: ${toUtf8(shown, 'WINDOWS-1252')}, and give that file instead`,
  );
}

/** The command saving a file as UTF-8 beside itself (`in/x.csv` as `in/x.utf8.csv`): the export as received stays. */
function toUtf8(shown: string, from: string): string {
  const extension = path.extname(shown);
  const copy = path.join(path.dirname(shown), `${path.basename(shown, extension)}.utf8${extension}`);
  return `iconv -f ${from} -t UTF-8 ${shellWord(shown)} > ${shellWord(copy)}`;
}

/** A path as a shell reads it: quoted when it holds anything but letters, digits and `_./+:@%,=-`. */
function shellWord(word: string): string {
  return /^[\w./+:@%,=-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
