import type { InferredColumn, InferredCsv } from './inferred.js';
import { ID_LIKE } from './infer-spellings.js';

/**
 * What a column's name says of it as a key (keyOf in init-yaml.ts): the id of the row's own entity
 * (`order_id` in `orders.csv`), or a code of something rows share by nature (`postal_code`,
 * `stock_code`), which a small file may hold once per row by chance. As a key, a later row sharing
 * that code would replace another row: 80 orders of 80 zip codes, and the 81st order replaces the one
 * of its zip code.
 */

/** An id word after what it identifies: `order_id`, `invoice_no`, `country_code`. */
const ID_WORD = /_(id|key|code|uuid|number|no|num|ref)$/;
/** An id word alone: `id`, `code`, `number`: the row's own, there being nothing else it names. */
const BARE_ID = /^(id|key|code|uuid|number|no|num|ref)$/;
/**
 * Codes of what many rows may share: a place, a way to reach someone, a currency or language, a
 * product or stock item, a category (`postal_code`, `zip_code`, `phone_number`, `country_code`,
 * `state_code`, `currency_code`, `stock_code`, `product_id`, `sku_code`; French `code_postal`).
 */
const SHARED = /(^|_)(postal|zip|zipcode|postcode|plz|phone|telephone|tel|mobile|fax|email|country|state|province|region|county|city|commune|municipality|fips|currency|ccy|language|lang|locale|product|stock|sku|item|article|ean|upc|gtin|category)_(id|key|code|uuid|number|no|num|ref)$|(^|_)post_code$|^(code|no|num|numero)_(postal|commune|pays|insee|departement|region)$/;
/** Records of which a file holds one per row: a first column named so alone (`Order`, `Invoice`) is its id. */
const RECORD = /^(order|invoice|transaction|ticket|receipt|booking|reservation|shipment|payment|claim)$/;
/** Words naming a row by a label (`Country Name`): its entity's code (`Country Code`) is the row's own id. */
const LABEL_WORD = /_(name|title|label|description)$/;

/**
 * A row's place in the file or in a ranking (Spotify's weekly chart `rank`, a report's `Sr. No.`): 1 to N
 * again in the next file, whose rows it would make replace unrelated ones. Never the key, nor suggested as one.
 */
const POSITION = /^(rank|ranking|position|pos|place|placing|row|rownum|row_num|row_number|row_no|sr_no|s_no|sl_no|sno|srno)$/;
export const positionNamed = (c: InferredColumn) => POSITION.test(c.name);

/**
 * Free text (`words`) in a file of dated rows (Netflix's `Title,Date`): what an event is of, unique so far
 * by chance; as the key, a rewatch in the next file would replace the first viewing. No key for being first
 * (a code, `Sales_101`, `US-CA`, and a country's name in a table without dates stay one).
 */
export function datedLabel(c: InferredColumn, csv: InferredCsv): boolean {
  return c.words === true && csv.columns.some((o) => o !== c && (o.type === 'date' || o.type === 'timestamp'));
}

/** `orders` → `order`, `companies` → `company`, `addresses` → `address`, `sales` → `sale`. */
function singular(word: string): string {
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(ss|x|ch|sh)es$/.test(word)) return word.replace(/es$/, '');
  return /[^su]s$/.test(word) ? word.slice(0, -1) : word;
}

/** What a row is one of, by the dataset's name (`order_items` → `order_item`, `item`). */
function datasetEntities(csv: InferredCsv): string[] {
  const name = csv.dataset ? singular(csv.dataset) : '';
  const last = name.split('_').pop() ?? '';
  return [...new Set([name, last])].filter((e) => e.length > 1);
}

/**
 * The id of the row's own entity: `id`, the dataset's singular with an id word (`order_number` in
 * `orders.csv`); not its singular alone, which may be a label (`activity` in `activities.csv`: `Morning run`).
 */
function datasetId(c: InferredColumn, csv: InferredCsv): boolean {
  return BARE_ID.test(c.name) || (ID_WORD.test(c.name) && datasetEntities(csv).includes(c.name.replace(ID_WORD, '')));
}

/**
 * The id of the row's entity as its first column says it: the first column named as an id (`InvoiceNo`,
 * `Ticket ID`) or as a record alone (`Order`), or the code of what the first column names (`Country
 * Code` beside a first `Country Name`, a World Bank table of countries).
 */
function firstColumnId(c: InferredColumn, csv: InferredCsv): boolean {
  const first = csv.headerless ? undefined : csv.columns[0];
  if (!first) return false;
  if (c === first) return ID_LIKE.test(c.name) || RECORD.test(c.name);
  return LABEL_WORD.test(first.name) && ID_WORD.test(c.name) && c.name.replace(ID_WORD, '') === first.name.replace(LABEL_WORD, '');
}

/** Named as the row's own id, the dataset's first, then the first column's: preferred to another entity's id. */
export function ownIdRank(c: InferredColumn, csv: InferredCsv): number {
  return datasetId(c, csv) ? 0 : firstColumnId(c, csv) ? 1 : 2;
}

/** A code of something rows share by nature (`postal_code`, `stock_code`), and not the row's own id: never the key alone. */
export function sharedCode(c: InferredColumn, csv: InferredCsv): boolean {
  return SHARED.test(c.name) && ownIdRank(c, csv) === 2;
}

/** A name that may make a column the key: id-like (`id`, `*_id`, `code`, `number`...) and not a shared code. */
export function keyNamed(c: InferredColumn, csv: InferredCsv): boolean {
  return ownIdRank(c, csv) < 2 || (ID_LIKE.test(c.name) && !sharedCode(c, csv));
}
