/**
 * Latin letters that Unicode does not decompose into a letter and accents, spelled the way their
 * languages spell them in plain ASCII (`Œuvre` → `OEuvre`, `Straße` → `Strasse`, `Søren` → `Soren`), and
 * the signs of units that a name would otherwise lose (`m²` → `m2`, `µg` → `ug`, `Sales ($)` →
 * `sales_dollar`, `Change %` → `change_pct`, `Income <=50K` → `income_le_50_k`): two headers told apart by a sign alone (`Sales ($)` and
 * `Sales (€)`) were named `sales` and `sales_2` by their order, and a later file ordering them otherwise
 * swapped their values.
 */
const LETTERS: Record<string, string> = {
  Œ: 'OE', œ: 'oe', Æ: 'AE', æ: 'ae', ß: 'ss', ẞ: 'SS', Ø: 'O', ø: 'o', Đ: 'D', đ: 'd',
  Ł: 'L', ł: 'l', Þ: 'TH', þ: 'th', Ð: 'D', ð: 'd', Ħ: 'H', ħ: 'h', ı: 'i',
  // Units: `m²` is not `m`, `µg` not `g`, `Sales ($)` not `Sales (€)`, `Change %` not `Change`.
  '²': '2', '³': '3', '¹': '1', µ: 'u',
  '%': ' pct ', '‰': ' permille ', $: ' dollar ', '€': ' eur ', '£': ' gbp ', '¥': ' yen ',
  // Bands: `Income <=50K` is not `Income >50K`, `Age 85+` not `Age 85` (UCI's and the US Census' headers).
  '≤': ' le ', '≥': ' ge ', '<': ' lt ', '>': ' gt ', '+': ' plus ',
};
const LETTER = new RegExp(`<=|>=|[${Object.keys(LETTERS).join('').replace(/[$+]/g, '\\$&')}]`, 'gu');
const TWO_SIGNS: Record<string, string> = { '<=': ' le ', '>=': ' ge ' };

/** Whether the text holds one of the characters above: the only ones asciiFold spells otherwise than names were spelled before it. */
export function hasSpelledLetter(text: string): boolean {
  return new RegExp(LETTER.source).test(text);
}

/**
 * Text as the plain ASCII letters a name is made of: accents dropped (`é` → `e`) and the letters above
 * spelled out. Other characters are left as they are (`Nº`, `№`, other scripts): a name drops
 * them, or is made of their code points when nothing Latin is left (csv-header.ts).
 */
export function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(LETTER, (ch) => LETTERS[ch] ?? TWO_SIGNS[ch]!);
}
