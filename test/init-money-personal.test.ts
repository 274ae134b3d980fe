import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';
import { startServer } from './support/load.js';

// What `init --from-csv` makes of a shop's orders and a mailing list's members, through the built CLI:
// amounts and UTC offsets whole in the first month read the next month's decimals; the columns naming a
// person are declared personal; the starter KPI sums the orders' total per month, never grouping by a person.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-money-personal-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

/** `init` of `file` written as `text` into project `name`: the project folder, its data folder, its dataset's definition and its starter KPI's id. */
async function initOne(name: string, file: string, text: string): Promise<{ dir: string; dataDir: string; yaml: string; kpi: string }> {
  const csv = path.join(root, `${name}-csvs`, file);
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, text);
  const dir = path.join(root, name);
  const init = await runCli(['init', dir, '--from-csv', csv], {});
  assert.equal(init.code, 0, init.stderr);
  const [definition] = await fs.readdir(path.join(dir, 'datasets'));
  const [kpi] = await fs.readdir(path.join(dir, 'kpis'));
  return { dir, dataDir: path.join(root, `${name}-data`), yaml: await fs.readFile(path.join(dir, 'datasets', definition!), 'utf8'), kpi: path.basename(kpi!, '.yml') };
}

/** `run --json`, which must succeed: its run id and the silver stage's counts of `dataset`. */
async function run(dir: string, dataDir: string, dataset: string): Promise<{ runId: string; rowsOut: number; quarantined: number }> {
  const r = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const { rowsOut, quarantined } = summary.stages[1].details.datasets[dataset];
  return { runId: summary.runId, rowsOut, quarantined };
}

const ETSY_HEADER = 'Sale Date,Order ID,Buyer User ID,Full Name,First Name,Last Name,Number of Items,Payment Method,Date Shipped,Street 1,Street 2,Ship City,Ship State,Ship Zipcode,Ship Country,Currency,Order Value,Coupon Code,Coupon Details,Discount Amount,Shipping Discount,Shipping,Sales Tax,Order Total,Status,Card Processing Fees,Order Net,Adjusted Order Total,Adjusted Card Processing Fees,Adjusted Net Order Amount,Buyer,Order Type,Payment Type,InPerson Discount,InPerson Location,SKU';
const FIRST = ['Ashley', 'Matt', 'Jordan', 'Seán', 'Priya', 'Chen'];
const LAST = ['Johnson', 'Lee', "O'Connor", 'Patel', 'Garcia'];
const CITIES = [['Newark', 'NJ', '07102'], ['Austin', 'TX', '78701'], ['Portland', 'ME', '04101']];
const cents = (c: number) => (c / 100).toFixed(2);

/**
 * A month of Etsy's sold orders (EtsySoldOrders<year>-<month>.csv), 40 orders, and their totals in cents.
 * The shipping discounts are written `0` where there is none, as Etsy does; `shippingDiscount` gives the others.
 */
function etsyMonth(month: number, shippingDiscount: (i: number) => number): { text: string; total: number } {
  let total = 0;
  const rows = Array.from({ length: 40 }, (_, i) => {
    const [first, last, [city, state, zip]] = [FIRST[i % 6]!, LAST[i % 5]!, CITIES[i % 3]!];
    const value = 2500 + 750 * (i % 5);
    const discount = i % 4 === 0 ? value / 10 : 0;
    const shipping = i % 3 === 0 ? 0 : 695;
    const shipDiscount = shippingDiscount(i);
    const tax = Math.round((value - discount) * 0.0625);
    const orderTotal = value - discount + shipping - shipDiscount + tax;
    const fees = Math.round(orderTotal * 0.03) + 25;
    total += orderTotal;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const date = `${String(month).padStart(2, '0')}/${day}/24`;
    return [date, 3113000000 + month * 1000 + i, 800000000 + i * 7, `"${first} ${last}"`, first, `"${last}"`, 1 + (i % 3), ['Credit Card', 'PayPal', 'Apple Pay'][i % 3], date, `"${100 + i} Oak Rd, Apt ${i % 9}"`, i % 2 ? 'Unit 2B' : '', city, state, zip, 'United States', 'USD',
      cents(value), discount ? 'SAVE10' : '', discount ? '10% off' : '', discount ? cents(discount) : '0', shipDiscount ? cents(shipDiscount) : '0', cents(shipping), cents(tax), cents(orderTotal), 'Completed', cents(fees), cents(orderTotal - fees), '--', '--', '--',
      `${first.toLowerCase()}${last.toLowerCase().replace(/'/g, '')}${i}`, 'online', 'online_cc', '', '', `MUG-0${i % 4}`].join(',');
  });
  return { text: `${ETSY_HEADER}\n${rows.join('\n')}\n`, total };
}

test("Etsy's sold orders: January's shipping discounts all 0 are a number, February's 4.50 loads; names and streets are personal; the order total per month", async () => {
  const january = etsyMonth(1, () => 0);
  const { dir, dataDir, yaml, kpi } = await initOne('etsy', 'EtsySoldOrders2024-1.csv', january.text);
  for (const money of ['shipping_discount', 'discount_amount', 'order_total', 'sales_tax']) assert.match(yaml, new RegExp(`^ {2}${money}: \\{ type: number \\}`, 'm'), yaml);
  assert.match(yaml, /^ {2}number_of_items: \{ type: integer \}/m, 'a count stays an integer');
  assert.match(yaml, /^ {2}order_id: \{ type: integer, required: true \}/m);
  for (const [column, why] of [['full_name', "a person's name"], ['first_name', "a person's name"], ['last_name', "a person's name"], ['street_1', 'a postal address'], ['street_2', 'a postal address'], ['buyer', "a person's name"]]) {
    assert.match(yaml, new RegExp(`^ {2}${column}: \\{ type: text, personal: true \\} {3}# header "[^"]+"; personal data \\(${why}\\): masked for readers and the public$`, 'm'), column);
  }
  for (const column of ['ship_city', 'ship_state', 'payment_method', 'status', 'sku']) assert.match(yaml, new RegExp(`^ {2}${column}: \\{ type: text \\}`, 'm'), column);

  assert.equal(kpi, 'etsy_sold_orders_order_total_per_month');
  const check = await runCli(['check', '--project', dir], {});
  assert.equal(check.code, 0, check.stderr);
  assert.doesNotMatch(check.stdout, /returns personal data/);
  assert.deepEqual(await run(dir, dataDir, 'etsy_sold_orders').then((r) => [r.rowsOut, r.quarantined]), [40, 0]);

  // February: shipping discounts of 4.50 on every fifth order, which an integer column quarantined, order and all.
  const february = etsyMonth(2, (i) => (i % 5 === 0 ? 450 : 0));
  await fs.writeFile(path.join(dir, 'sources', 'EtsySoldOrders2024-2.csv'), february.text);
  const second = await run(dir, dataDir, 'etsy_sold_orders');
  assert.deepEqual([second.rowsOut, second.quarantined], [40, 0]);
  assert.deepEqual(await silverRows(dataDir, 'etsy_sold_orders', second.runId, 'SELECT count(*)::INTEGER AS n, sum(shipping_discount)::DOUBLE AS shipping_discounts FROM $t'), [{ n: 80, shipping_discounts: 36 }]);
  const show = await runCli(['show', kpi, '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(show.code, 0, show.stderr);
  const rows = (JSON.parse(show.stdout) as { rows: { month: string; order_total: number }[] }).rows;
  assert.deepEqual(rows.map((r) => [r.month, Math.round(r.order_total * 100)]), [['2024-01-01', january.total], ['2024-02-01', february.total]]);
});

const MAILCHIMP_HEADER = ['Email Address', 'First Name', 'Last Name', 'Address', 'Phone Number', 'Birthday', 'MEMBER_RATING', 'OPTIN_TIME', 'OPTIN_IP', 'CONFIRM_TIME', 'CONFIRM_IP', 'LATITUDE', 'LONGITUDE', 'GMTOFF', 'DSTOFF', 'TIMEZONE', 'CC', 'REGION', 'LAST_CHANGED', 'LEID', 'EUID', 'NOTES', 'TAGS'];
const PLACES = [['48.8566000', '2.3522000', '1', '2', 'Europe/Paris', 'FR', 'IDF'], ['40.7128000', '-74.0060000', '-5', '-4', 'America/New_York', 'US', 'NY'], ['51.5074000', '-0.1278000', '0', '1', 'Europe/London', 'GB', 'ENG']];
const INDIA = ['19.0760000', '72.8777000', '5.5', '5.5', 'Asia/Kolkata', 'IN', 'MH'];

/** Mailchimp's export of subscribed members, every field quoted as it writes them. */
function members(from: number, n: number, place: (i: number) => string[]): string {
  const q = (v: string | number) => `"${String(v).replace(/"/g, '""')}"`;
  const rows = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const [first, last] = [FIRST[i % 6]!, LAST[i % 5]!];
    const when = `2023-0${1 + (i % 9)}-1${i % 10} 0${i % 10}:3${i % 10}:00`;
    return [`${first.toLowerCase()}.${i}@example.org`, first, last, i % 3 ? `${100 + i} Main St  Springfield IL 62701 US` : '', i % 2 ? `(555) 010-${String(1000 + i)}` : '', i % 4 ? `0${1 + (i % 9)}/1${i % 10}` : '', 1 + (i % 5), when, `113.192.22.${i % 250}`, when, `2001:db8::${i.toString(16)}`,
      ...place(i), when, 100000000 + i, `${(0xabcdef00 + i).toString(16)}`.slice(0, 10), '', i % 2 ? '"Customer"' : '"Webinar 2023","Customer"'].map(q).join(',');
  });
  return `${MAILCHIMP_HEADER.map(q).join(',')}\n${rows.join('\n')}\n`;
}

test("Mailchimp's members: e-mail, names, address, phone, birthday and IP addresses are personal and masked in the explorer; GMTOFF whole in the first export reads India's 5.5", async () => {
  const { dir, dataDir, yaml, kpi } = await initOne('mailchimp', 'subscribed_members_export_3f8e2a91c4.csv', members(0, 60, (i) => PLACES[i % 3]!));
  const personal = [...yaml.matchAll(/^ {2}(\w+): \{[^}]*personal: true[^}]*\}/gm)].map((m) => m[1]);
  assert.deepEqual(personal, ['email_address', 'first_name', 'last_name', 'address', 'phone_number', 'birthday', 'optin_ip', 'confirm_ip']);
  assert.match(yaml, /^ {2}email_address: \{ type: text, required: true, personal: true \} {3}# header "Email Address"; personal data \(/m);
  for (const offset of ['gmtoff', 'dstoff']) assert.match(yaml, new RegExp(`^ {2}${offset}: \\{ type: number \\}`, 'm'));
  assert.match(yaml, /^ {2}member_rating: \{ type: integer \}/m);
  assert.equal(kpi, 'subscribed_members_export_by_timezone', 'rows per time zone, not per first name');
  assert.deepEqual(await run(dir, dataDir, 'subscribed_members_export').then((r) => [r.rowsOut, r.quarantined]), [60, 0]);

  // A later export with members in Mumbai: a half-hour offset.
  await fs.writeFile(path.join(dir, 'sources', 'subscribed_members_export_3f8e2a91c4 (1).csv'), members(60, 10, () => INDIA));
  const later = await run(dir, dataDir, 'subscribed_members_export');
  assert.deepEqual([later.rowsOut, later.quarantined], [10, 0]);
  assert.deepEqual(await silverRows(dataDir, 'subscribed_members_export', later.runId, "SELECT count(*)::INTEGER AS n, min(gmtoff) AS lo, max(dstoff) AS hi FROM $t WHERE cc = 'IN'"), [{ n: 10, lo: 5.5, hi: 5.5 }]);

  const silverKey = (await fs.readdir(path.join(dataDir, 'lake', 'silver', 'subscribed_members_export'))).find((f) => f.startsWith(later.runId))!;
  const { url, child: server } = await startServer({ DATA_DIR: dataDir, SERVER_WORKERS: '1' }, ['--project', dir]);
  try {
    const preview = (await (await fetch(`${url}/api/lake/silver/preview?key=${encodeURIComponent(`subscribed_members_export/${silverKey}`)}`)).json()) as { rows: Record<string, unknown>[] };
    const row = preview.rows.find((r) => r['timezone'] === 'Asia/Kolkata');
    assert.deepEqual([row!['email_address'], row!['first_name'], row!['confirm_ip'], row!['timezone'], row!['gmtoff']], ['***', '***', '***', 'Asia/Kolkata', 5.5]);
  } finally {
    server.kill('SIGTERM');
  }
});
