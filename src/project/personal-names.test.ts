import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv } from './infer.js';
import { personalOf } from './personal-names.js';

// The columns init declares personal: what their header names of a person, or e-mail addresses whatever it names.

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'personal-names-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-personal-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Each column of the file and why it is personal (undefined: it is not). */
async function personal(name: string, lines: string[]): Promise<Record<string, string | undefined>> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  const csv = await inferCsv(engine, file);
  return Object.fromEntries(csv.columns.map((c) => [c.name, personalOf(c, csv)]));
}

test("Mailchimp's members: the e-mail, names, address, phone, birthday and IP addresses; not the rating, times, places or tags", async () => {
  const header = '"Email Address","First Name","Last Name","Address","Phone Number","Birthday","MEMBER_RATING","OPTIN_TIME","OPTIN_IP","CONFIRM_TIME","CONFIRM_IP","LATITUDE","LONGITUDE","GMTOFF","DSTOFF","TIMEZONE","CC","REGION","LAST_CHANGED","LEID","EUID","NOTES","TAGS"';
  const row = (i: number) => `"m${i}@example.org","Ann","Lee","${i} Main St  Springfield IL 62701 US","(555) 010-21${i}","0${i}/14","${i}","2023-07-27 00:34:33","113.192.22.${i}","2023-07-27 00:34:59","2001:db8::3c5${i}","48.85","2.35","1","2","Europe/Paris","FR","IDF","2023-08-30 00:34:33","10000791${i}","f031e875b${i}","","""Customer"""`;
  const p = await personal('subscribed_members_export.csv', [header, row(1), row(2), row(3)]);
  assert.deepEqual(Object.keys(p).filter((k) => p[k]), ['email_address', 'first_name', 'last_name', 'address', 'phone_number', 'birthday', 'optin_ip', 'confirm_ip']);
  assert.deepEqual([p['email_address'], p['first_name'], p['address'], p['phone_number'], p['birthday'], p['optin_ip']], ['its values are e-mail addresses', "a person's name", 'a postal address', 'a phone number', 'a date of birth', 'an IP address']);
});

test("Etsy's orders: the buyer's names, user name and streets, its Ship Name beside the rest of the address; not the city, state or zip", async () => {
  const p = await personal('EtsySoldOrders2024-1.csv', ['Sale Date,Order ID,Full Name,Ship Name,Street 1,Street 2,Ship City,Ship State,Ship Zipcode,Buyer,Customer Email', '01/15/24,1,Ann Lee,Ann Lee,1 Oak Rd,Apt 2,Austin,TX,78701,annlee1,ann@x.org', '01/16/24,2,Bo Li,Bo Li,2 Elm St,,Newark,NJ,07102,boli,bo@x.org']);
  assert.deepEqual(Object.keys(p).filter((k) => p[k]), ['full_name', 'ship_name', 'street_1', 'street_2', 'buyer', 'customer_email']);
});

test("Stripe's payments: the card's holder and address, the customer's e-mail and phone, the shipping name and address lines", async () => {
  const p = await personal('unified_payments.csv', ['id,Amount,Card Name,Card Address Line1,Card Address City,Card Brand,Customer Email,Customer Phone,Shipping Name,Shipping Address Line1,Shipping Address City', 'ch_1,12.50,Ann Lee,1 Oak Rd,Austin,Visa,ann@x.org,+1 555 0100,Ann Lee,1 Oak Rd,Austin', 'ch_2,8.00,Bo Li,2 Elm St,Newark,Amex,bo@x.org,+1 555 0101,Bo Li,2 Elm St,Newark']);
  assert.deepEqual(Object.keys(p).filter((k) => p[k]), ['card_name', 'card_address_line1', 'customer_email', 'customer_phone', 'shipping_name', 'shipping_address_line1']);
});

test("names of no person: a product's Name, RegionName, Title, a vessel's Ship Name, a street's name; an e-mail flag, Google Analytics' Mobile users, a wallet's address", async () => {
  const p = await personal('things.csv', ['Name,RegionName,Title,Ship Name,Card Name,Street Name,Email Opt In,Mobile,Wallet Address,IP', 'Mug,Texas,Dr,Ever Given,Pikachu,Oak Rd,yes,120,0xabc,6.1', 'Lamp,Ohio,Ms,Maersk Alabama,Mewtwo,Elm St,no,98,0xdef,5.2']);
  assert.deepEqual(Object.keys(p).filter((k) => p[k]), []);
  // A column of e-mail addresses whatever its name; a French export's Nom beside Prénom.
  const q = await personal('inscrits.csv', ['Login,Nom,Prénom,Ville', 'ann@x.org,Durand,Anne,Lyon', 'bob@y.fr,Martin,Paul,Nice']);
  assert.deepEqual([q['login'], q['nom'], q['prenom'], q['ville']], ['its values are e-mail addresses', "a person's name (beside prenom)", "a person's name", undefined]);
});
