/**
 * The dates written with a month's name and the download ids that exports append to a table's name, as
 * patterns of fileStem: each changes from one delivery to the next, so none is part of the stem.
 */

/**
 * Months by name, English, French, German and Spanish, whole or abbreviated. Not `set` (Spanish
 * `setiembre`'s short form), which ends `data_set_2024` as a word; `ago` is August in Spanish only where
 * a day or year stands next to it, as every month here.
 */
const MONTH = [
  'january', 'jan', 'february', 'feb', 'march', 'mar', 'april', 'apr', 'may', 'june', 'jun', 'july', 'jul', 'august', 'aug',
  'september', 'sept', 'sep', 'october', 'oct', 'november', 'nov', 'december', 'dec',
  'janvier', 'janv', 'février', 'fevrier', 'févr', 'fevr', 'fév', 'fev', 'mars', 'avril', 'avr', 'mai', 'juin', 'juillet', 'juil',
  'août', 'aout', 'septembre', 'octobre', 'novembre', 'décembre', 'decembre', 'déc',
  'januar', 'jänner', 'jän', 'februar', 'märz', 'maerz', 'mär', 'mrz', 'juni', 'juli', 'oktober', 'okt', 'dezember', 'dez',
  'enero', 'ene', 'febrero', 'marzo', 'abril', 'abr', 'mayo', 'junio', 'julio', 'agosto', 'ago', 'septiembre', 'setiembre',
  'octubre', 'noviembre', 'diciembre', 'dic',
].join('|');

/** A month's name as a token: no letter after it (`Marketing`, `mayor`, `Junk`, `Decisions` are words). */
const M = `(?:${MONTH})(?!\\p{L})`;
const DAY = '(?:0?[1-9]|[12]\\d|3[01])(?:st|nd|rd|th)?';
const YEAR = '(?:19|20)\\d{2}';
const S = '[-_. ]';

/**
 * A date naming its month, a day or a year beside it: `Jan-31-2024`, `Jan 31, 2024`, `jan2024`,
 * `January 2024`, `Sep_2024`, `31-Jan-2024`, `31-Jan-24`, `2024-Jan`, `2024-Jan-31`, `Jan-31`.
 */
const NAMED_DATE = `(?:${M}${S}*(?:${DAY}(?:,?${S}+(?:19|20)?\\d{2})?|${YEAR})|${DAY}${S}*${M}(?:${S}*(?:19|20)?\\d{2})?|${YEAR}${S}*${M}(?:${S}*${DAY})?)`;

/** A day written in digits, year first (`2024-01-31`, `20240131`). */
const NUMERIC_DATE = '(?:19|20)\\d{2}[-.]?\\d{2}[-.]?\\d{2}';

/** A trailing date naming its month after a separator (Fidelity's `Portfolio_Positions_Jan-31-2024`). */
export const TRAILING_NAMED_DATE = new RegExp(`${S}+${NAMED_DATE}$`, 'iu');

/**
 * A period of two dates at the end of a name, maybe with `to` between them (`_2024-01-01_2024-02-29`,
 * `_01-Jan-2024_to_31-Jan-2024`), and a locale or a download id after it (Revolut's
 * `account-statement_2024-01-01_2024-02-29_en-gb_3f2a1b`).
 */
const DATE = `(?:${NUMERIC_DATE}|${NAMED_DATE})(?!\\d)`;
export const TRAILING_PERIOD = new RegExp(`${S}+${DATE}${S}+(?:(?:to|thru|through|bis|au|al)${S}+)?${DATE}(?:${S}+(?:[a-z]{2}(?:-[a-z]{2})?|[0-9a-f]*\\d[0-9a-f]*))*$`, 'iu');

/**
 * A download id after a separator: a UUID, or 8 hexadecimal digits or more mixing digits and letters
 * (Mailchimp's `subscribed_members_export_3f8e2a91c4`). Not a word (`deadbeef`), nor a number, which may
 * name an account; nor a word then a number, or a number then a word (`cafe2024`, `12345678abc`): a hash
 * goes from digits to letters and back.
 */
export function trailingHashAt(stem: string): number | undefined {
  const uuid = /[-_. ]+[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(stem);
  if (uuid) return uuid.index;
  const hex = /[-_. ]+([0-9a-f]{8,})$/i.exec(stem);
  if (!hex || !/\d/.test(hex[1]!) || !/[a-f]/i.test(hex[1]!) || /^(?:[a-f]+\d+|\d+[a-f]+)$/i.test(hex[1]!)) return undefined;
  return hex.index;
}
