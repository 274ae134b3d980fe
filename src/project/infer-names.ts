import { ID_LIKE } from './infer-spellings.js';

/** What a column's name says of its numbers beside the type they read as: money, an offset from UTC. */

/** Words naming an amount of money (English, French, German, Spanish, Italian, Dutch). */
const MONEY_WORDS = 'amount|amt|price|prices|total|subtotal|balance|cost|costs|fee|fees|debit|credit|discount|discounts|shipping|postage|tax|taxes|vat|tip|tips|gratuity|refund|refunds|net|gross|revenue|payout|charge|charges|montant|prix|betrag|preis|umsatz|saldo|importe|valor|prezzo|bedrag';

/** A column named as money anywhere in its name (`Amount`, `order_total_usd`, `Betrag`): as a key, a measure unique in a small file by chance (infer-key.ts). */
export const MONEY_NAME = new RegExp(`(^|_)(${MONEY_WORDS})($|_)`);

/**
 * Money as the name's last word, a currency or a word of payment after it left out (`Order Total`, `Shipping Discount`,
 * `Sales Tax`, `amount_paid`, `price_usd`): the thing named is an amount. Not `total_cases`, `tax_rate` or `shipping_days`,
 * counts and rates of which money is the first word only; nor an id (`tax_code`).
 */
const AMOUNT_NAME = new RegExp(`(^|_)(${MONEY_WORDS})(_(usd|eur|gbp|chf|cad|aud|jpy|inr|dollar|dollars|euro|euros|paid|due|refunded|received|charged|incl|excl|ttc|ht))*(_?[0-9]+)?$`);

/** A time zone's offset from UTC, in hours (Mailchimp's `GMTOFF` and `DSTOFF`, GeoNames' `GMT offset`): India's is 5.5, Nepal's 5.75. */
const OFFSET_NAME = /(^|_)(gmtoff|dstoff|utcoff|utcoffset|gmtoffset|tzoffset|(gmt|utc|dst|tz|timezone|time_zone|zone|raw)_offset)($|_)/;

/**
 * Whole numbers that are a number all the same: an amount (a month of shipping discounts all `0`, the next one's `4.50`)
 * or a UTC offset (`1` for Paris, `5.5` for India in a later export). Typed `integer`, the next file's decimals would be
 * quarantined, and its whole rows with them.
 */
export const numberNamed = (name: string) => (AMOUNT_NAME.test(name) || OFFSET_NAME.test(name)) && !ID_LIKE.test(name);

/** An amount (AMOUNT_NAME), for a starter KPI to sum. */
export const amountNamed = (name: string) => AMOUNT_NAME.test(name) && !ID_LIKE.test(name);
