import { isUtf8 } from 'node:buffer';

/**
 * Windows-1252 told from the double-byte encodings of Chinese and Japanese exports (GBK/GB18030,
 * Shift_JIS/CP932), which are no more UTF-8 than it is and which it would garble: `北京` in GBK reads
 * `±±¾©`. Every character of theirs past ASCII is two bytes, a lead and a trail; Western text written
 * in windows-1252 has one accented letter between plain ones, two at most (`Müller`, `Administração`).
 */

/** Bytes windows-1252 leaves undefined: never in its text, common in Shift_JIS, Mac Roman, windows-1250. */
const UNDEFINED_IN_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/** The double-byte encodings a refusal names, as iconv spells them: what Chinese and Japanese Windows exports write. */
export type DoubleByte = 'GB18030' | 'CP932';

interface Reading {
  encoding: DoubleByte;
  /** WHATWG's label: Node's decoder of it reads CP932's NEC and IBM characters (`①`, `㈱`) too. */
  label: string;
  /** Bytes of the character starting with `b` (the byte after it `next`): 1 for a single byte. */
  width(b: number, next: number | undefined): number;
  /** Whether a two-byte character is of the encoding's everyday text: its common Han characters, kana and punctuation. */
  common(lead: number, trail: number): boolean;
}

const GBK: Reading = {
  encoding: 'GB18030',
  label: 'gb18030',
  // A lead 0x81–0xFE, then a trail (two bytes) or a digit (GB18030's four); 0x80 is €.
  width: (b, next) => (b < 0x81 || b === 0xff ? 1 : next !== undefined && next >= 0x30 && next <= 0x39 ? 4 : 2),
  // GB2312's area, where Chinese text is written: both bytes 0xA1–0xFE, punctuation, kana, then the Han characters.
  common: (lead, trail) => ((lead >= 0xa1 && lead <= 0xa9) || (lead >= 0xb0 && lead <= 0xf7)) && trail >= 0xa1 && trail <= 0xfe,
};

const SHIFT_JIS: Reading = {
  encoding: 'CP932',
  label: 'shift_jis',
  // Leads 0x81–0x9F and 0xE0–0xFC; the half-width katakana 0xA1–0xDF are one byte each.
  width: (b) => ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) ? 2 : 1),
  // Punctuation, kana, the JIS kanji of both levels and NEC's characters (`①`, `㈱`); not the user-defined rows 0xF0–0xF9.
  common: (lead) => (lead >= 0x81 && lead <= 0x84) || (lead >= 0x87 && lead <= 0x9f) || (lead >= 0xe0 && lead <= 0xea),
};

const READINGS = [GBK, SHIFT_JIS];

/** The lines of a file's start that are not UTF-8 (LF ends them): those windows-1252 would decode. */
function notUtf8Lines(start: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  for (let s = 0; s < start.length; ) {
    const end = start.indexOf(10, s);
    const line = start.subarray(s, end === -1 ? start.length : end + 1);
    s += line.length;
    if (!isUtf8(line)) lines.push(line);
  }
  return lines;
}

/**
 * Whether the bytes of a file that is not UTF-8 read as windows-1252 text, in its lines that are not
 * UTF-8. Not when they hold a byte windows-1252 leaves undefined (Shift_JIS' 0x81 and 0x90, Mac
 * Roman's é), nor when nearly every byte past ASCII has another beside it, as double-byte encodings
 * write each character (GBK, Big5, EUC-KR), nor when a few words are double-byte text (doubleByteWords).
 * A non-breaking space (Excel's `1 248,61 €`) counts as a space.
 */
export function readsAsWindows1252(start: Uint8Array): boolean {
  const lines = notUtf8Lines(start);
  let high = 0;
  let paired = 0;
  const isHigh = (b: number | undefined) => b !== undefined && b >= 0x80 && b !== 0xa0;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      if (!isHigh(line[i])) continue;
      if (UNDEFINED_IN_1252.has(line[i]!)) return false;
      high++;
      if (isHigh(line[i - 1]) || isHigh(line[i + 1])) paired++;
    }
  }
  if (high >= 16 && paired / high >= 0.9) return false;
  return !READINGS.some((r) => doubleByteWords(r, lines));
}

/**
 * Whether the lines read as the encoding, with a word of it: two of its everyday characters in a row,
 * three bytes of them past ASCII at least, not one byte repeated. Three city names in 500 rows are
 * enough (`北京` is 0xB1B1 0xBEA9 in GBK, `東京` 0x938C 0x8B9E in Shift_JIS, `テスト` 0x8365 0x8358
 * 0x8367), where Western text seldom has four bytes past ASCII in a row, or three with a letter among
 * them (`ção` is one pair; a line of `————` repeats one byte; `ÄÖÜß` is Latin letters only). Every
 * line must decode too: an accent before a space, a comma or a line end (`café,`) ends no double-byte
 * character. (Checked on the names of countries, languages, currencies, months and days of 34 Western
 * locales, alone among ASCII rows and three at a time: none refused.)
 */
function doubleByteWords(reading: Reading, lines: readonly Uint8Array[]): boolean {
  return lines.some((line) => hasWord(reading, line)) && decodes(reading, lines);
}

function hasWord(reading: Reading, line: Uint8Array): boolean {
  let chars = 0;
  let high = 0;
  let same = true;
  // Bytes 0xC0–0xFF only are accented capitals and small letters in windows-1252 (`ÄÖÜß`, a test value of German exports): no proof.
  let letters = true;
  let first = 0;
  for (let i = 0; i < line.length; ) {
    const b = line[i]!;
    const width = b < 0x80 ? 1 : reading.width(b, line[i + 1]);
    const trail = line[i + 1];
    if (width === 2 && trail !== undefined && reading.common(b, trail)) {
      if (chars === 0) first = b;
      same &&= b === first && trail === first;
      letters &&= b >= 0xc0 && trail >= 0xc0;
      chars++;
      high += trail >= 0x80 ? 2 : 1;
      if (chars >= 2 && high >= 3 && !same && !letters) return true;
    } else {
      [chars, high, same, letters] = [0, 0, true, true];
    }
    i += width;
  }
  return false;
}

/** Whether every line decodes as the encoding (a character the file's start cut off at its end left aside). */
function decodes(reading: Reading, lines: readonly Uint8Array[]): boolean {
  const decoder = new TextDecoder(reading.label, { fatal: true });
  try {
    for (const line of lines) decoder.decode(line, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The double-byte encoding a file's start reads as, for a refusal to name: the one with words of it
 * (see doubleByteWords); when both have some (Shift_JIS' pairs are GBK's too), the one whose
 * characters past ASCII are more often its everyday ones. Undefined when neither reads it (Mac Roman,
 * windows-1250, Big5 with few words).
 */
export function doubleByteEncoding(start: Uint8Array): DoubleByte | undefined {
  const lines = notUtf8Lines(start);
  const found = READINGS.filter((r) => doubleByteWords(r, lines));
  // Japanese banks write names in one-byte katakana (`ﾔﾏﾀﾞ ﾀﾛｳ`, 0xD4 0xCF 0xC0 0xDE): runs of 0xA6–0xDF.
  if (!found.length) return lines.some((line) => /[\xa6-\xdf]{3}/.test(Buffer.from(line.buffer, line.byteOffset, line.length).toString('latin1'))) && decodes(SHIFT_JIS, lines) ? 'CP932' : undefined;
  if (found.length < 2) return found[0]!.encoding;
  return found.map((r) => ({ r, share: commonShare(r, lines) })).sort((a, b) => b.share - a.share)[0]!.r.encoding;
}

/** The share of the characters past ASCII, read as the encoding, that are its everyday ones. */
function commonShare(reading: Reading, lines: readonly Uint8Array[]): number {
  let all = 0;
  let common = 0;
  for (const line of lines) {
    for (let i = 0; i < line.length; ) {
      const b = line[i]!;
      const width = b < 0x80 ? 1 : reading.width(b, line[i + 1]);
      if (b >= 0x80) {
        all++;
        if (width === 2 && line[i + 1] !== undefined && reading.common(b, line[i + 1]!)) common++;
      }
      i += width;
    }
  }
  return all ? common / all : 0;
}
