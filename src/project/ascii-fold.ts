/**
 * Latin letters that Unicode does not decompose into a letter and accents, spelled the way their
 * languages spell them in plain ASCII: `Œuvre` → `OEuvre`, `Straße` → `Strasse`, `Søren` → `Soren`.
 */
const LETTERS: Record<string, string> = {
  Œ: 'OE', œ: 'oe', Æ: 'AE', æ: 'ae', ß: 'ss', ẞ: 'SS', Ø: 'O', ø: 'o', Đ: 'D', đ: 'd',
  Ł: 'L', ł: 'l', Þ: 'TH', þ: 'th', Ð: 'D', ð: 'd', Ħ: 'H', ħ: 'h', ı: 'i',
};
const LETTER = new RegExp(`[${Object.keys(LETTERS).join('')}]`, 'g');

/**
 * Text as the plain ASCII letters a name is made of: accents dropped (`é` → `e`), the letters above
 * spelled out, and compatibility forms read as what they stand for (`ﬁ` → `fi`, `m²` → `m2`, `Nº` →
 * `No`, full-width `Ａ` → `A`). Other scripts are left as they are.
 */
export function asciiFold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(LETTER, (ch) => LETTERS[ch]!);
}
