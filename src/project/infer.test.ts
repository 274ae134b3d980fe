import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import { inferCsv, textReader, type InferredColumn, type InferredCsv } from './infer.js';
import { keyOf } from './init-yaml.js';

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-infer-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function inferFile(name: string, lines: string[]): Promise<InferredCsv> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  return inferCsv(engine, file);
}

async function infer(name: string, lines: string[]): Promise<Record<string, InferredColumn>> {
  const csv = await inferFile(name, lines);
  return Object.fromEntries(csv.columns.map((c) => [c.name, c]));
}

async function refusal(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  const err = await inferCsv(engine, file, name).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
  return err.message;
}

describe('inferCsv', () => {
  test('a time of day makes a timestamp: a date column would drop it', async () => {
    const c = await infer('times.csv', ['at,day,midnight', '2001-01-01 00:01:00,2001-01-01,2001-01-01 00:00:00', '2001-01-02 13:45:10,2001-01-02,2001-01-02 00:00:00']);
    assert.equal(c['at']!.type, 'timestamp');
    assert.equal(c['day']!.type, 'date');
    // Midnight everywhere: reading it as a date loses nothing.
    assert.equal(c['midnight']!.type, 'date');
  });

  test('a date format is checked on every row, not only on the first rows it is tried on', async () => {
    // 12,000 rows whose day and month are both at most 12: day-first and month-first both read them...
    const rows = Array.from({ length: 12_000 }, (_, i) => `${i},${String((i % 12) + 1).padStart(2, '0')}/${String((i % 11) + 1).padStart(2, '0')}/2024,${String((i % 9) + 1).padStart(2, '0')}/01/2024`);
    // ...until the last ones: day 25 can only be month-first; "13/40/2024" is no date at all.
    const c = await infer('late.csv', ['id,us,broken', ...rows, '12000,12/25/2024,01/01/2024', '12001,01/02/2024,13/40/2024']);
    assert.equal(c['us']!.type, 'date');
    assert.equal(c['us']!.format, '%m/%d/%Y');
    assert.equal(c['us']!.ambiguousWith, undefined, 'the day-first reading failed on row 12,000');
    assert.equal(c['broken']!.type, 'text');
    assert.equal(c['id']!.type, 'integer');
    assert.ok(c['id']!.unique);
  });

  test('codes with leading zeros stay text; dates with month names are found', async () => {
    const c = await infer('codes.csv', ['zip,phone,amount,day', '00501,0612345678,0.5,Jan 1 2000', '10001,0712345678,12,Feb 29 2000']);
    assert.equal(c['zip']!.type, 'text', 'as an integer, 00501 would be 501');
    assert.equal(c['phone']!.type, 'text');
    assert.equal(c['amount']!.type, 'number', '0.5 is no code');
    assert.deepEqual([c['day']!.type, c['day']!.format], ['date', '%b %d %Y']);
  });

  test("dates with their day of the week (a spreadsheet's long date, RFC 2822's) are dates, one reading", async () => {
    const c = await infer('long-dates.csv', ['id,published,sent,at', '1,"Monday, August 19, 2024","Mon, 19 Aug 2024","Thu, 5 Sep 2024 14:30:00"', '2,"Thursday, September 5, 2024","Thu, 5 Sep 2024","Mon, 19 Aug 2024 09:05:00"']);
    assert.deepEqual([c['published']!.type, c['published']!.format, c['published']!.ambiguousWith], ['date', '%A, %B %d, %Y', undefined]);
    assert.deepEqual([c['sent']!.type, c['sent']!.format, c['sent']!.ambiguousWith], ['date', '%a, %d %b %Y', undefined]);
    assert.deepEqual([c['at']!.type, c['at']!.format], ['timestamp', '%a, %d %b %Y %H:%M:%S']);
  });

  test('a column named as a code (zip, fips, phone number) stays text without a leading zero in this file; a count named so is a number', async () => {
    const c = await infer('fips.csv', ['county_fips,zip_code,phone_number,code_commune,phone_calls,status', '36061,10001,5551234,75056,3,1', '6037,90210,5559876,13055,5,2']);
    for (const name of ['county_fips', 'zip_code', 'phone_number', 'code_commune']) assert.deepEqual([c[name]!.type, c[name]!.code], ['text', true], name);
    assert.deepEqual([c['phone_calls']!.type, c['status']!.type], ['integer', 'integer']);
  });

  test("a card's last four digits and an account number stay text though this file's have no leading zero (the next month's 0042 would lose it)", async () => {
    const c = await infer('items.csv', ['PAN Suffix,Card Last4,last_4_digits,Account Number,Qty', '4242,1881,5100,12345678,1', '1234,9424,4444,87654321,2']);
    for (const name of ['pan_suffix', 'card_last4', 'last_4_digits', 'account_number']) assert.deepEqual([c[name]!.type, c[name]!.code], ['text', true], name);
    assert.equal(c['qty']!.type, 'integer');
  });

  test('monthly figures written month first (every date the 1st) are read so, the other reading named to check', async () => {
    const c = await infer('monthly.csv', ['month,sales', ...Array.from({ length: 24 }, (_, i) => `${String((i % 12) + 1).padStart(2, '0')}/01/${2015 + Math.floor(i / 12)},${i}`)]);
    assert.deepEqual([c['month']!.type, c['month']!.format, c['month']!.ambiguousWith], ['date', '%m/%d/%Y', '%d/%m/%Y']);
    // Days that are not all the 1st under either reading: day first, as before, with the same note.
    const d = await infer('daily.csv', ['day,sales', '01/02/2024,1', '03/04/2024,2', '05/06/2024,3']);
    assert.deepEqual([d['day']!.format, d['day']!.ambiguousWith], ['%d/%m/%Y', '%m/%d/%Y']);
  });

  test('a month of daily figures or a week of log written month first (days 1 to 12 only) is read so, not as one day of twelve months', async () => {
    const c = await infer('march.csv', ['order_id,order_date', ...Array.from({ length: 24 }, (_, i) => `${i},03/${String((i % 12) + 1).padStart(2, '0')}/2024`)]);
    assert.deepEqual([c['order_date']!.format, c['order_date']!.ambiguousWith], ['%m/%d/%Y', '%d/%m/%Y']);
    const log = await infer('log.csv', ['id,logged', ...Array.from({ length: 14 }, (_, i) => `${i},03/0${(i % 7) + 1}/2024 ${String(i).padStart(2, '0')}:15:00`)]);
    assert.deepEqual([log['logged']!.type, log['logged']!.format, log['logged']!.ambiguousWith], ['timestamp', '%m/%d/%Y %H:%M:%S', '%d/%m/%Y %H:%M:%S']);
    // Written day first, the same days keep their reading: the one month is March's either way round.
    const uk = await infer('uk.csv', ['id,day', ...Array.from({ length: 12 }, (_, i) => `${i},${String(i + 1).padStart(2, '0')}/03/2024`)]);
    assert.deepEqual([uk['day']!.format, uk['day']!.ambiguousWith], ['%d/%m/%Y', '%m/%d/%Y']);
  });

  test('booleans written 0, 1, True and False in one column are booleans; 0 and 1 alone integers', async () => {
    const c = await infer('iot.csv', ['id,door,flag', '1,True,0', '2,0,1', '3,false,1', '4,1,0']);
    assert.deepEqual([c['door']!.type, c['flag']!.type], ['boolean', 'integer']);
  });

  test('counts grouped by dots (3.410.256; 59.594 beside 946 in a ; file) are thousands, not decimals', async () => {
    const de = await inferFile('geburten.csv', ['land;monat;lebendgeborene', 'Bayern;2010-01;59.594', 'Bremen;2010-01;946', 'Berlin;2010-02;33.102']);
    assert.equal(de.decimalSeparator, ',');
    assert.equal(de.columns[2]!.type, 'number');
    const ine = await inferFile('ine.tsv', ['provincia\tpoblacion', 'Madrid\t6.751.251', 'Soria\t88.600', 'Teruel\t134.137']);
    assert.equal(ine.decimalSeparator, ',');
    assert.equal(ine.columns[1]!.type, 'number');
    // Fuel prices of three decimals in a ; file, IP addresses: nothing says thousands.
    const fuel = await inferFile('carburants.csv', ['id;ville;prix;ip', '1;Bourg;1.859;192.168.100.200', '2;Lyon;1.949;10.0.0.1', '3;Paris;2.019;172.016.254.001']);
    assert.notEqual(fuel.decimalSeparator, ',');
    assert.equal(fuel.columns[2]!.type, 'number');
    // A comma-separated file's 1.234 alone stays a decimal point.
    const us = await inferFile('prices.csv', ['item,price', 'a,1.234', 'b,2.5']);
    assert.equal(us.decimalSeparator, '.');
  });

  test('counts grouped by no-break spaces (INSEE: 652\u00a0432, 2\u202f043\u202f110) and no decimal: decimal commas, integers', async () => {
    const insee = await inferFile('deps.csv', ['dep;nom;population', '01;Ain;652\u00a0432', '13;Bouches-du-Rhône;2\u202f043\u202f110', '75;Paris;2\u00a0133\u00a0111', '09;Ariège;153\u00a0287', '90;Belfort;946']);
    assert.equal(insee.decimalSeparator, ',');
    assert.deepEqual(insee.columns.map((c) => [c.name, c.type]), [['dep', 'text'], ['nom', 'text'], ['population', 'integer']]);
    // With a decimal comma: numbers. Beside a decimal point elsewhere, spaces tell nothing: text, as before.
    const rates = await inferFile('taux.csv', ['dep;montant', '01;652\u00a0432,5', '13;12']);
    assert.deepEqual([rates.decimalSeparator, rates.columns[1]!.type], [',', 'number']);
    const mixed = await inferFile('mixte.csv', ['dep,population,taux', '01,652\u00a0432,1.5', '13,12,2.5']);
    assert.deepEqual([mixed.decimalSeparator, mixed.columns[1]!.type], ['.', 'text']);
  });

  test('Excel formulas of text (="0316769487", ="" as Goodreads writes ISBNs) are typed from the text inside, the column text and marked; other formulas stay values', async () => {
    const lines = ['Book Id,ISBN,ISBN13,Title,Sum', '5107,"=""0316769487""","=""9780316769488""","=""Catcher""",=A1+1', '44767458,="",="",Dune,=A2+1', '29392,"=""903009608X""","=""9789030096085""",Beloved,=A3+1'];
    const c = await infer('goodreads_library_export.csv', lines);
    assert.deepEqual(['isbn', 'isbn13', 'title', 'sum'].map((n) => [n, c[n]!.type, c[n]!.excelText === true, c[n]!.complete]), [
      ['isbn', 'text', true, false],
      ['isbn13', 'text', true, false],
      ['title', 'text', true, true],
      ['sum', 'text', false, true],
    ]);
    // Digits throughout: a code (text), as the formula was written to keep it one.
    assert.equal(c['isbn13']!.code, true);
    assert.equal(c['book_id']!.type, 'integer');
  });

  test('days 1 to 9 of a month in a file written the European way (; and decimal commas) are read day first, not as the 1st of nine months', async () => {
    const c = await infer('ventes.csv', ['id;montant;date', ...Array.from({ length: 9 }, (_, i) => `${i + 1};${i},50;0${i + 1}/01/2024`)]);
    assert.deepEqual([c['date']!.format, c['date']!.ambiguousWith], ['%d/%m/%Y', '%m/%d/%Y']);
  });

  test('statistics marks (.., [x], FRED\'s .) beside numbers are that column\'s missing values; beside words, values', async () => {
    const csv = await inferFile('ons.csv', ['area,income,change,flag', ...Array.from({ length: 12 }, (_, i) => `A${i},${i % 4 === 0 ? '[x]' : i * 100},${i % 5 === 0 ? '..' : `${i}.5`},${i % 3 === 0 ? 'x' : 'ok'}`)]);
    const c = Object.fromEntries(csv.columns.map((col) => [col.name, col]));
    assert.deepEqual([c['income']!.type, c['income']!.nullValues], ['integer', ['[x]']]);
    assert.deepEqual([c['change']!.type, c['change']!.nullValues], ['number', ['..']]);
    assert.deepEqual([c['flag']!.type, c['flag']!.nullValues], ['text', undefined]);
    assert.deepEqual(csv.nullValues, []);
    // Garmin's `--` (a figure the device did not record); Strava's start time with a month name.
    const garmin = await infer('activities.csv', ['Activity Type,Avg Run Cadence,Start', 'Running,172,"Jan 5, 2024, 7:12:00 AM"', 'Cycling,--,"Jan 6, 2024, 6:03:10 PM"', 'Running,168,"Feb 1, 2024, 7:00:00 AM"']);
    assert.deepEqual([garmin['avg_run_cadence']!.type, garmin['avg_run_cadence']!.nullValues], ['integer', ['--']]);
    assert.deepEqual([garmin['start']!.type, garmin['start']!.format], ['timestamp', '%b %d, %Y, %I:%M:%S %p']);
    // A column of `N` alone is a flag's no, not a column of missing figures (the Census' `N` is no mark here).
    const flags = await infer('orders.csv', ['id,express,discount', '1,N,0', '2,N,5', '3,N,0']);
    assert.deepEqual([flags['express']!.type, flags['express']!.nullValues], ['text', undefined]);
    // Codes of zeros are codes (`000` a region not assigned); a reference of fifteen zeros is a placeholder, no key.
    const codes = await inferFile('regions.csv', ['code,name', '000,Non affecté', '001,Ain', '002,Aisne']);
    assert.equal(codes.columns[0]!.placeholder, undefined);
    const refs = await inferFile('statement.csv', ['ref,amount', '000000000000000,1234.00', '412233445566,-500.00', '998877665544,-42.10']);
    assert.equal(refs.columns[0]!.placeholder, true);
    const fred = await infer('UNRATE.csv', ['observation_date,UNRATE', '1948-01-01,3.4', '1948-02-01,.', '1948-03-01,4.0']);
    assert.deepEqual([fred['unrate']!.type, fred['unrate']!.nullValues], ['number', ['.']]);
    // A spreadsheet's errors, INSEE's `nd`, Eurostat's flagged `: c`, a typeset minus sign; a column of `..` only (the latest year, not published yet).
    const marks = await infer('marks.csv', ['area,ratio,pop,change,y2022,y2023,note,flag', 'A,0.5,12,−43.1,1.5,..,...,T', 'B,#DIV/0!,nd,2.5,..,..,...,F', 'C,1.5,: c,−0.5,2,..,...,T', 'D,2,14,1,3,..,...,F']);
    assert.deepEqual([marks['ratio']!.type, marks['ratio']!.nullValues], ['number', ['#DIV/0!']]);
    assert.deepEqual([marks['pop']!.type, marks['pop']!.nullValues], ['integer', [': c', 'nd']]);
    assert.deepEqual([marks['change']!.type, marks['change']!.nullValues], ['number', undefined]);
    assert.deepEqual([marks['y2023']!.type, marks['y2023']!.nullValues], ['number', ['..']]);
    // Marks alone that no column of numbers reads as missing (`...` for notes to come): text.
    assert.deepEqual([marks['note']!.type, marks['note']!.nullValues], ['text', undefined]);
    assert.deepEqual([marks['flag']!.type, marks['flag']!.nullValues], ['boolean', undefined]);
    // Statistics Canada's `F` (too unreliable to publish) beside numbers; `T` and `F` alone are a boolean, and `M` and `F` text.
    const statcan = await infer('statcan.csv', ['ref_date,value,flag,sex', ...Array.from({ length: 120 }, (_, i) => `2024-${String(1 + (i % 12)).padStart(2, '0')},${i % 9 === 7 ? 'F' : `${i}.5`},${i % 2 ? 'T' : 'F'},${i % 2 ? 'M' : 'F'}`)]);
    assert.deepEqual([statcan['value']!.type, statcan['value']!.nullValues], ['number', ['F']]);
    assert.deepEqual([statcan['flag']!.type, statcan['flag']!.nullValues], ['boolean', undefined]);
    assert.deepEqual([statcan['sex']!.type, statcan['sex']!.nullValues], ['text', undefined]);
    // NOAA's climate data: `M` missing, `T` a trace of rain (10 % of the hours here, beyond a few errors); `T` alone beside `F` stays a boolean's.
    const noaa = await infer('lcd.csv', ['STATION,DATE,HourlyDryBulbTemperature,HourlyPrecipitation,valid', ...Array.from({ length: 60 }, (_, i) => `72505394728,2024-01-01T${String(i % 24).padStart(2, '0')}:51:00,${i % 10 === 3 ? 'M' : 30 + (i % 7)},${['0.00', 'T', '0.02', 'M', '0.15'][i % 5]},${i % 3 ? 'T' : 'F'}`)]);
    assert.deepEqual([noaa['hourly_dry_bulb_temperature']!.type, noaa['hourly_dry_bulb_temperature']!.nullValues], ['integer', ['M']]);
    assert.deepEqual([noaa['hourly_precipitation']!.type, noaa['hourly_precipitation']!.nullValues, noaa['hourly_precipitation']!.complete], ['number', ['M', 'T'], false]);
    assert.deepEqual([noaa['valid']!.type, noaa['valid']!.nullValues], ['boolean', undefined]);
    // Google Trends' `<1` (interest below 1) among its figures; Amazon's `Not Available` among dates.
    const trends = await infer('multiTimeline.csv', ['Month,python: (Worldwide)', ...Array.from({ length: 24 }, (_, i) => `${2004 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${i % 5 === 0 ? '<1' : i}`)]);
    assert.deepEqual([trends['python_worldwide']!.type, trends['python_worldwide']!.nullValues], ['integer', ['<1']]);
    const amazon = await inferFile('Retail.OrderHistory.1.csv', ['Order ID,Ship Date', '112-1234567-1234567,2024-01-16T10:00:00Z', '112-1234567-1234568,Not Available', '112-1234567-1234569,2024-01-18T09:30:00Z']);
    assert.deepEqual([amazon.columns[1]!.type, amazon.nullValues], ['timestamp', ['Not Available']]);
    // A few values of one code among numbers: named, to read as missing if it marks one.
    const coded = await infer('coded.csv', ['ref_date,value', ...Array.from({ length: 120 }, (_, i) => `2024-${String(1 + (i % 12)).padStart(2, '0')},${i === 7 ? 'NR' : `${i}.5`}`)]);
    assert.deepEqual([coded['value']!.type, coded['value']!.nearly], ['text', { type: 'number', failing: 1, code: 'NR' }]);
    // Ids written as floats by pandas where one is missing (Online Retail's CustomerID): integers; a measure so written stays a number.
    const retail = await infer('retail.csv', ['InvoiceNo,CustomerID,Quantity', '536365,17850.0,6.0', '536366,,2.0', '536367,13047.0,3.0']);
    assert.deepEqual([retail['customer_id']!.type, retail['quantity']!.type], ['integer', 'number']);
    // Ids written with a decimal point (Citi Bike's stations): text, whose `5788.10` keeps its zero; a count so named (an average) stays a number.
    const trips = await infer('trips.csv', ['ride_id,start_station_id,num_bikes,start_lat', 'A1,5788.10,1.5,40.74', 'A2,6140.05,2,40.75', 'A3,6364.10,2.5,40.76']);
    assert.deepEqual([trips['start_station_id']!.type, trips['start_station_id']!.dottedId, trips['num_bikes']!.type, trips['start_lat']!.type], ['text', true, 'number', 'number']);
    // UCI's `?` for unknown, in text columns too (adult's workclass); other marks stay values there.
    const adult = await infer('adult.csv', ['age,workclass,flag', '39, State-gov,x', '50, ?,ok', '38, Private,x']);
    assert.deepEqual([adult['workclass']!.type, adult['workclass']!.nullValues], ['text', ['?']]);
    assert.deepEqual([adult['flag']!.type, adult['flag']!.nullValues], ['text', undefined]);
  });

  test('timestamps with an offset after a space (Shopify) are timestamps; eight digits in a column named as a date (GA4) are dates', async () => {
    const jira = await infer('jira.csv', ['Issue key,Created,Due', 'ABC-1,01/Mar/24 10:15 AM,05/Mar/24', 'ABC-2,14/Mar/24 3:05 PM,20/Mar/24']);
    assert.deepEqual([jira['created']!.type, jira['created']!.format, jira['due']!.type, jira['due']!.format], ['timestamp', '%d/%b/%y %I:%M %p', 'date', '%d/%b/%y']);
    // A 12-hour clock over slashes that read both ways: the US way, month first (Chicago's crimes); a day past 12 still decides.
    const crimes = await infer('crimes.csv', ['ID,Date,Updated On', '10224738,09/05/2015 01:30:00 PM,02/10/2018 03:50:01 PM', '10224739,09/04/2015 11:30:00 AM,02/10/2018 03:50:01 PM']);
    assert.deepEqual([crimes['date']!.format, crimes['date']!.ambiguousWith], ['%m/%d/%Y %I:%M:%S %p', '%d/%m/%Y %I:%M:%S %p']);
    // A file writes its dates one way: a column proven month first (a day past 12) decides one whose values read both ways.
    const chase = await infer('chase.csv', ['Transaction Date,Post Date,Amount', '01/05/2024,01/13/2024,-5.00', '01/07/2024,01/08/2024,-7.00']);
    assert.deepEqual([chase['transaction_date']!.format, chase['transaction_date']!.ambiguousWith, chase['post_date']!.format], ['%m/%d/%Y', undefined, '%m/%d/%Y']);
    const uk = await infer('uk.csv', ['Date,Settled,Amount', '05/01/2024,13/01/2024,5.00', '07/01/2024,08/01/2024,7.00']);
    assert.deepEqual([uk['date']!.format, uk['date']!.ambiguousWith], ['%d/%m/%Y', undefined]);
    const dayFirst = await infer('uk.csv', ['id,at', '1,25/05/2015 01:30:00 PM', '2,09/04/2015 11:30:00 AM']);
    assert.deepEqual([dayFirst['at']!.format, dayFirst['at']!.ambiguousWith], ['%d/%m/%Y %I:%M:%S %p', undefined]);
    const c = await infer('orders.csv', ['Name,Created at,Date,Visits', '#1001,2024-03-11 15:37:00 -0500,20240101,20240101', '#1002,2024-03-12 09:01:12 +0100,20240102,17']);
    assert.equal(c['created_at']!.type, 'timestamp');
    assert.deepEqual([c['date']!.type, c['date']!.format], ['date', '%Y%m%d']);
    assert.equal(c['visits']!.type, 'integer');
  });

  test('timestamps followed by a zone (Google Forms\' `GMT+1`, `GMT-5`, `GMT+5:30`, `GMT`, `UTC+2`) are timestamps of the format of their time, whatever it is', async () => {
    const forms = await infer('Form Responses 1.csv', [
      'Timestamp,Email Address,Rate us (1-5)',
      '2024/01/15 10:23:45 AM GMT+1,a@x.com,4',
      '2024/03/31 3:30:00 AM GMT+2,b@x.com,5',
      '2024/04/01 9:00:00 PM GMT+5:30,c@x.com,3',
      '2024/04/02 11:59:59 PM GMT,d@x.com,2',
      '2024/04/03 8:00:00 AM GMT-5,e@x.com,1',
    ]);
    assert.deepEqual([forms['timestamp']!.type, forms['timestamp']!.format], ['timestamp', '%Y/%m/%d %I:%M:%S %p']);
    // US-locale sheets: month first, a 24-hour clock; a day past 12 decides.
    const us = await infer('sheet.csv', ['Timestamp,Score', '1/15/2024 10:23:45 GMT-5,3', '1/2/2024 15:51:34 UTC+2,4', '1/3/2024 9:41:11 UTC,5']);
    assert.deepEqual([us['timestamp']!.type, us['timestamp']!.format, us['timestamp']!.ambiguousWith], ['timestamp', '%m/%d/%Y %H:%M:%S', undefined]);
    // ISO times need no format; a zone past 18 hours is none, and the column stays text.
    const iso = await infer('iso.csv', ['id,at,bad', '1,2024-01-15 10:23:45 GMT+1,2024-01-15 10:23:45 GMT+1', '2,2024-01-15T10:23:45 Z,2024-01-15 10:23:45 GMT+25']);
    assert.deepEqual([iso['at']!.type, iso['at']!.format, iso['bad']!.type], ['timestamp', undefined, 'text']);
  });

  test('integers of this century in a column named as an instant (Reddit\'s created_utc, a sensor\'s ts, createdAt) are Unix time, seconds or milliseconds; the same integers named otherwise stay integers', async () => {
    const c = await infer('posts.csv', [
      'id,created_utc,ts,createdAt,Updated,amount,population,start_time,epoch,date',
      '1,1700000000,1700000000123,946684800,4102444799,1700000000,1700000000,1700000000,946684799,1700000000',
      '2,,1700003600999,1700000000,1700000000,1700003600,1600000000,1700000000123,1700000000,1700000000',
      '3,1700007200,,1700000000,,1700007200,1500000000,1700000000,1700000000,4102444800',
    ]);
    const typed = (name: string) => [c[name]!.type, c[name]!.format];
    assert.deepEqual(typed('created_utc'), ['timestamp', 'unix_seconds'], 'empty values allowed');
    assert.deepEqual(typed('ts'), ['timestamp', 'unix_milliseconds']);
    assert.deepEqual(typed('created_at'), ['timestamp', 'unix_seconds'], '2000-01-01 00:00:00 is the first instant taken');
    assert.deepEqual(typed('updated'), ['timestamp', 'unix_seconds'], '2099-12-31 23:59:59 is the last');
    for (const measure of ['population', 'id']) assert.deepEqual(typed(measure), ['integer', undefined], measure);
    assert.deepEqual(typed('amount'), ['number', undefined], 'an amount: a number, whole so far');
    assert.deepEqual(typed('start_time'), ['integer', undefined], 'seconds beside milliseconds: no one reading');
    assert.deepEqual(typed('epoch'), ['integer', undefined], 'a second before 2000');
    assert.deepEqual(typed('date'), ['integer', undefined], 'the first second of 2100');
    assert.equal(c['id']!.unique, true);
  });

  test('notes after the data (the first field alone) and rows repeating the header are left out of the typing, counted', async () => {
    const data = Array.from({ length: 10 }, (_, i) => `E0${i},District ${i},${1000 + i},${i}.5`);
    const csv = await inferFile('notes.csv', ['code,name,population,share', ...data, ',,,', 'Source: ONS. Figures may not sum due to rounding.,,,', 'Last updated: 06/28/2024,,,']);
    assert.deepEqual([csv.footerRows, csv.rows, csv.unreadRecords], [2, 10, 0]);
    assert.deepEqual(csv.columns.map((c) => [c.type, c.complete]), [['text', true], ['text', true], ['integer', true], ['number', true]]);
    // A totals row at the end (Excel's), with a note after it.
    const totals = await inferFile('ventes.csv', ['region;date;quantite;montant', 'Nord;01/01/2024;3;10,5', 'Sud;02/01/2024;4;20', 'Total;;7;30,5', 'Source: caisse;;;']);
    assert.deepEqual([totals.footerRows, totals.totalRows, totals.totalLabel, totals.rows], [2, 1, 'Total', 2]);
    assert.deepEqual(totals.columns.map((c) => c.complete), [true, true, true, true]);
    // A total filling every column: counted apart, since no required column catches it (total_row does).
    const whole = await inferFile('sales.csv', ['region,year,sales', 'North,2024,100', 'South,2024,200', 'Grand Total,2024,300']);
    assert.deepEqual([whole.footerRows, whole.wholeFooterRows, whole.totalRows, whole.totalLabel, whole.rows], [1, 1, 1, 'Grand Total', 2]);
    // Salesforce's report: its `Grand Totals (400 records)` line (one field: not read as a row), then the figures alone, each the sum above.
    const report = await inferFile('report1710512345678.csv', ['"Owner","Account","Stage","Amount","Probability (%)"', '"Jane","A1","Won","USD 1,000.50","10%"', '"John","A2","Lost","USD 2,000.25","20%"', '"Jane","A3","Won","USD 500.00","90%"', '""', '"Grand Totals (3 records)"', '"","","","USD 3,500.75",""', '""', '"Confidential Information - Do Not Distribute"']);
    // (Its label alone on its line is no row the run reads: no total_row for it.)
    assert.deepEqual([report.footerRows, report.totalRows, report.rows, report.sumRowFilled], [1, undefined, 3, ['amount']]);
    assert.deepEqual(report.columns.map((c) => c.complete), [true, true, true, true, true]);
    // A film named `Total Recall` fills its row: no report's total, and the titles alone on their rows are rows too.
    const films = await inferFile('watch.csv', ['title,year,rating', 'Total Recall,1990,7.5', 'Alien,1979,8.5', 'My Unreleased Short,,', 'Heat,1995,8.3', 'Home Movie Draft,,', 'Up,2009,8.3']);
    assert.deepEqual([films.reportRows, films.rows, films.columns.map((c) => c.complete)], [undefined, 6, [true, false, false]]);
    // A last row of a few figures that are no sums is a row.
    const partial = await inferFile('partial.csv', ['name,city,score,rank,note', 'a,Paris,3,1,x', 'b,Lyon,4,2,y', 'c,Nice,5,3,z', ',,6,,']);
    assert.deepEqual([partial.footerRows, partial.rows], [undefined, 4]);
    // A last row of blank answers is a row: its id is no note.
    const survey = await inferFile('survey.csv', ['respondent,q1,q2,q3', '101,yes,3,good', '102,no,4,ok', '103,yes,5,fine', '104,,,']);
    assert.deepEqual([survey.footerRows, survey.rows], [undefined, 4]);
    const joined = await inferFile('joined.csv', ['id,fare,when', '1,2.5,2024-01-01', '2,3.5,2024-01-02', 'id,fare,when', '3,4.5,2024-02-01']);
    assert.deepEqual([joined.repeatedHeaders, joined.rows, joined.unreadRecords], [1, 3, 0]);
    assert.deepEqual(joined.columns.map((c) => c.type), ['integer', 'number', 'date']);
  });

  test('a second header row of descriptions (US Census downloads) is left out of the typing, named; one odd first value is not', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `0500000US${String(i).padStart(5, '0')},"County ${i}, State",${1000 + i},${10 + i},${i}.5`);
    const csv = await inferFile('acs.csv', ['GEO_ID,NAME,B01001_001E,B01001_001M,share', 'Geography,Geographic Area Name,Estimate!!Total:,Margin of Error!!Total:,Share!!Percent', ...rows]);
    assert.deepEqual(csv.describedBy?.slice(0, 2), ['Geography', 'Geographic Area Name']);
    assert.deepEqual(csv.columns.map((c) => c.type), ['text', 'text', 'integer', 'integer', 'number']);
    assert.deepEqual([csv.rows, csv.unreadRecords], [30, 0]);
    // One column only whose first value is no number: a value, not a header.
    const one = await inferFile('one.csv', ['id,score,label', '1,n/a,x', '2,3,y', '3,4,z']);
    assert.equal(one.describedBy, undefined);
    assert.equal(one.rows, 3);
    // A table of one figure (the 2020 Census' P1), and estimates annotated in place of figures (`*****`, `(X)`, `-`).
    const dhc = await inferFile('dhc.csv', ['GEO_ID,NAME,P1_001N', 'Geography,Geographic Area Name,Total', ...rows.map((_, i) => `0500000US${i},"County ${i}, State",${1000 + i}`)]);
    assert.deepEqual([dhc.describedBy, dhc.columns.map((c) => c.type)], [['Geography', 'Geographic Area Name', 'Total'], ['text', 'text', 'integer']]);
    const marks = ['*****', '(X)', '-', '**', '-666666666'];
    const annotated = await inferFile('acs2.csv', ['GEO_ID,NAME,B19013_001E,B19013_001M', 'Geography,Geographic Area Name,Estimate!!Median household income,Margin of Error!!Median household income', ...rows.map((_, i) => `0500000US${i},"County ${i}, State",${1000 + i},${marks[i % 5]}`)]);
    assert.deepEqual(annotated.describedBy?.[2], 'Estimate!!Median household income');
    assert.deepEqual(annotated.columns.slice(2).map((c) => [c.type, c.nullValues]), [['integer', undefined], ['text', undefined]]);
    // Ten thousands grouped by dots in the first row is no label.
    assert.equal((await inferFile('ine2.tsv', ['provincia\tpoblacion', 'Madrid\t6.751.251', 'Soria\t88.600', 'Teruel\t134.137'])).describedBy, undefined);
  });

  test('a column text for a few values only (one "abc" among dates or amounts) says which type the others read as', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i + 1},2024-01-${String((i % 28) + 1).padStart(2, '0')},${i * 3},w${i % 7}`);
    rows[100] = '101,abc,n/a?,w1';
    rows[200] = '201,2024-02-30,12,w2';
    const c = await infer('orders.csv', ['id,day,amount,label', ...rows]);
    assert.deepEqual([c['day']!.type, c['day']!.nearly], ['text', { type: 'date', failing: 2 }]);
    assert.deepEqual([c['amount']!.type, c['amount']!.nearly], ['text', { type: 'integer', failing: 1, code: 'n/a?' }]);
    assert.equal(c['label']!.nearly, undefined, 'words are no near numbers');
    // A zero-padded value would lose its zeros in a number column, not be quarantined: no suggestion.
    const padded = await infer('qty.csv', ['id,qty', ...Array.from({ length: 199 }, (_, i) => `${i},${i + 1}`), '199,007']);
    assert.deepEqual([padded['qty']!.type, padded['qty']!.nearly], ['text', undefined]);
  });

  test('numbers of more digits than a double holds are a decimal of their scale, or text beyond 18 digits; shorter ones stay number', async () => {
    const ledger = await infer('ledger.csv', ['id,balance,huge,rate', '1,99999999999999.9999,123456789012345678901.5,0.125', '2,12345678901234.56,1,1.5', '3,0.5,2,2']);
    assert.deepEqual([ledger['balance']!.type, ledger['balance']!.scale], ['decimal', 4]);
    assert.deepEqual([ledger['huge']!.type, ledger['huge']!.tooPrecise], ['text', true]);
    assert.deepEqual([ledger['rate']!.type, ledger['rate']!.scale], ['number', undefined]);
  });

  test('numbers a program wrote from doubles (16 or 17 digits, decimals past cents) stay number, not a decimal of one file\'s scale or text; cents stay decimal', async () => {
    // The World Bank's GDP: 16 and 17 digits, a decimal of 18 would hold neither year whole.
    const wdi = await infer('wdi.csv', ['Country Name,Country Code,2022,2023', 'World,WLD,100880427939258.6,105435039802894.55', 'Aruba,ABW,3544707788.05664,3648573136.31285', 'Tuvalu,TUV,60351161.2376891,']);
    assert.deepEqual([wdi['c_2022']!.type, wdi['c_2023']!.type, wdi['c_2022']!.tooPrecise], ['number', 'number', undefined]);
    // OWID's ten decimals (a trailing zero too), and 17 digits as C's %.17g prints a double.
    const owid = await infer('owid.csv', ['iso_code,excess_mortality_cumulative_absolute,rate', 'AFG,207883.2527684475,19.989999999999998', 'ALB,-4243.1687172908,0.5', 'DZA,262085.6520622440,1.25']);
    assert.deepEqual([owid['excess_mortality_cumulative_absolute']!.type, owid['rate']!.type], ['number', 'number']);
    // A ledger's cents: a decimal, summed exactly, though a double prints them back.
    const money = await infer('money.csv', ['id,total', '1,12345678901234.56', '2,5.10']);
    assert.deepEqual([money['total']!.type, money['total']!.scale], ['decimal', 2]);
  });

  test('a file without a header line is read as rows, its columns named by position (header: false); so is one whose title is followed by rows', async () => {
    const rows = ['39, State-gov, 77516, Bachelors, 13, Never-married, White, Male, <=50K', '50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, White, Male, <=50K', '38, Private, 215646, HS-grad, 9, Divorced, White, Male, <=50K', '53, Private, 234721, 11th, 7, Married-civ-spouse, Black, Male, >50K', '28, State-gov, 338409, Bachelors, 13, Married-civ-spouse, Black, Female, <=50K'];
    const adult = await inferFile('adult.csv', rows);
    assert.deepEqual([adult.headerless, adult.rows, adult.unreadRecords], [true, 5, 0]);
    assert.deepEqual(adult.columns.map((c) => `${c.name}:${c.type}`), ['column_1:integer', 'column_2:text', 'column_3:integer', 'column_4:text', 'column_5:integer', 'column_6:text', 'column_7:text', 'column_8:text', 'column_9:text']);
    const titled = await inferFile('adult_test.csv', ['|1x3 Cross validator', ...rows]);
    assert.deepEqual([titled.headerless, titled.skipLines, titled.rows], [true, 1, 5]);
    // A header whose names are numbers (years) and words that are no values of their columns is a header.
    const wide = await inferFile('gdp.csv', ['Country Name,Code,2019,2020', 'France,FRA,2.7,2.6', 'Spain,ESP,1.4,1.3', 'Chile,CHL,0.3,0.25']);
    assert.deepEqual(wide.columns.map((c) => c.name), ['country_name', 'code', 'c_2019', 'c_2020']);
    // MovieLens 1M: `::` between fields, no header. A line of numbers only over numbers is a row; one
    // starting with an id, whose word is a value below (a gender), too.
    const ratings = await inferFile('ratings.dat', ['1::1193::5::978300760', '1::661::3::978302109', '1::914::3::978301968', '2::1357::5::978298059']);
    assert.deepEqual([ratings.delimiter, ratings.headerless, ratings.rows, ratings.columns.map((c) => c.type).join()], ['::', true, 4, 'integer,integer,integer,integer']);
    const users = await inferFile('users.dat', ['1::F::1::10::48067', '2::M::56::16::70072', '3::M::25::15::55117', '4::M::45::7::02460', '5::F::50::9::55117']);
    assert.deepEqual([users.headerless, users.rows, users.columns.map((c) => c.type).join()], [true, 5, 'integer,text,integer,integer,text']);
    const movies = await inferFile('movies.dat', ["1::Toy Story (1995)::Animation|Children's|Comedy", '2::Jumanji (1995)::Adventure|Fantasy', "3114::Toy Story 2 (1999)::Animation|Children's|Comedy"]);
    assert.deepEqual([movies.delimiter, movies.headerless, movies.rows], ['::', true, 3]);
    // Numbers that count columns (`1,2,3`) name them: a header.
    const matrix = await inferFile('matrix.csv', ['1,2,3', '10,20,30', '11,21,31', '12,22,32']);
    assert.deepEqual([matrix.headerless ?? false, matrix.rows], [false, 3]);
    // pandas' `df.to_csv()` (the index unnamed, columns 0 to 2) and years counting down name columns too.
    const pandas = await inferFile('frame.csv', [',0,1,2', '0,0.5,1.5,2.5', '1,3.5,4.5,5.5', '2,6.5,7.5,8.5']);
    assert.deepEqual([pandas.headerless ?? false, pandas.rows], [false, 3]);
    const years = await inferFile('years.csv', ['2023,2022,2021', '5.1,4.8,4.2', '6.0,5.5,5.1', '7.2,6.9,6.3']);
    assert.deepEqual([years.headerless ?? false, years.rows], [false, 3]);
  });

  test('a file of a thousand columns (JHU\'s daily time series): each statement reads only its columns, not every column\'s expressions', async () => {
    const days = Array.from({ length: 1000 }, (_, d) => `${1 + (d % 12)}/${1 + (d % 28)}/${20 + Math.floor(d / 336)}`);
    const lines = [['Province/State', 'Country/Region', 'Lat', 'Long', ...days].join(','), ...Array.from({ length: 30 }, (_, r) => ['', `Country ${r}`, '1.5', '2.5', ...days.map((_, d) => String(r * d))].join(','))];
    const longest = { chars: 0 };
    const rows = engine.rows.bind(engine);
    engine.rows = (async (sql: string, ...rest: unknown[]) => {
      longest.chars = Math.max(longest.chars, sql.length);
      return (rows as (...a: unknown[]) => Promise<Record<string, unknown>[]>)(sql, ...rest);
    }) as typeof engine.rows;
    try {
      const csv = await inferFile('time_series_covid19_confirmed_global.csv', lines);
      assert.deepEqual([csv.rows, csv.columns.length, csv.columns[4]!.type, csv.columns[1]!.type], [30, 1004, 'integer', 'text']);
    } finally {
      engine.rows = rows;
    }
    // Every column's expressions in each statement made statements of 600 KB here, and gigabytes to plan them at JHU's 1,143 columns.
    assert.ok(longest.chars < 150_000, `longest statement: ${longest.chars} characters`);
  });

  test('values never quoted, a " a character (IMDb\'s tab-separated files): quote none, \\N a missing value; quoted delimiters keep the quotes', async () => {
    const imdb = await inferFile('title.tsv', ['tconst\tprimaryTitle\tstartYear\tendYear', 'tt1\t12" Single\t1894\t\\N', 'tt2\t"Die Another Day" Making of\t2002\t\\N', 'tt3\tThe "Hi\t1990\t1995', 'tt4\tPlain\t\\N\t\\N']);
    assert.deepEqual([imdb.quote, imdb.escape, imdb.rows, imdb.unreadRecords, imdb.nullValues], ['none', undefined, 4, 0, ['\\N']]);
    assert.deepEqual(imdb.columns.map((c) => c.type), ['text', 'text', 'integer', 'integer']);
    const quoted = await inferFile('quoted.csv', ['id,name,city', '1,"Lee, Ann",Paris', '2,"Bob ""B"" Ray",Lyon', '3,plain,Nice']);
    assert.deepEqual([quoted.quote, quoted.rows], [undefined, 3]);
    // Quoted values with a line break, whose lines would read as rows with quotes off: quotes, in a CSV or a TSV.
    const reviews = await inferFile('reviews.csv', ['review_id,comment', '1,"Great product', 'Would buy again, 5 stars"', '2,Fine', '3,"Too small"']);
    assert.deepEqual([reviews.quote, reviews.rows, reviews.columns[0]!.type], [undefined, 3, 'integer']);
    const notes = await inferFile('notes.tsv', ['id\tnote', '1\t"first', 'second"', '2\tplain', '3\t12" ruler']);
    assert.equal(notes.quote, undefined);
    // IMDb's titles: a whole one in quotes beside quotes inside others, and \N: no quoting, no MySQL escape.
    const titles = await inferFile('titles.tsv', ['tconst\ttitle\tend', 'tt1\t"Pauvre Pierrot"\t\\N', 'tt2\t12" Single\t\\N', 'tt3\tPlain\t1990']);
    assert.deepEqual([titles.quote, titles.escape, titles.rows], ['none', undefined, 3]);
    // R's write.table quotes every string of a TSV: quotes.
    const r = await inferFile('r.tsv', ['"id"\t"name"', '1\t"Ann"', '2\t"Bob"']);
    assert.equal(r.quote, undefined);
  });

  test('dates written two ways in one column (ISO and day first): a date without a format, as silver reads it; month first proven stays text', async () => {
    const c = await infer('twoways.csv', ['id,sold,maybe,us', '1,2025-01-05,2025-01-05,2025-01-05', '2,25/02/2025,03/02/2025,02/25/2025']);
    assert.deepEqual([c['sold']!.type, c['sold']!.format, c['sold']!.ambiguousWith], ['date', undefined, undefined]);
    assert.deepEqual([c['maybe']!.type, c['maybe']!.ambiguousWith], ['date', '%m/%d/%Y']);
    assert.equal(c['us']!.type, 'text');
  });

  test('a column typed by the cheap tests is not tried with formats; empty columns stay text', async () => {
    const c = await infer('plain.csv', ['n,empty,word', '1,,a', '2,,b']);
    assert.equal(c['n']!.type, 'integer');
    assert.equal(c['empty']!.type, 'text');
    assert.equal(c['word']!.type, 'text');
  });

  test('numbers a reading could get wrong stay text: thousands "1,234", ids longer than a double, Infinity', async () => {
    const c = await infer('numbers.csv', ['pop,euros,id,x', '"1,234","12,5",12345678901234567890,Infinity', '"12,345","0,125",98765432109876543210,3.5']);
    assert.deepEqual([c['pop']!.type, c['euros']!.type, c['id']!.type, c['x']!.type], ['text', 'number', 'text', 'text']);
  });

  test('two-digit years are read as such, not as the year 24; a column of one letter is no boolean', async () => {
    const c = await infer('years.csv', ['yy,iso,short,hemisphere,answer', '01/05/24,2024-01-05,24-01-05,N,Y', '12/31/69,2024-01-06,24-01-06 10:00:00,N,N']);
    assert.deepEqual([c['yy']!.type, c['yy']!.format], ['date', '%m/%d/%y']);
    assert.equal(c['iso']!.type, 'date');
    assert.equal(c['short']!.type, 'text', 'silver reads no year 24 without a format');
    assert.deepEqual([c['hemisphere']!.type, c['answer']!.type], ['text', 'boolean']);
  });

  test('dates as Chinese, Japanese, Korean and Lichess exports write them: a day\'s eight digits under 取引日, 2024年1月16日, 2024년 1월 16일, 2024.01.31', async () => {
    const c = await infer('bank.csv', ['取引日,入出金(円),注文日,날짜,UTCDate', '20240104,27678,2024年1月16日,2024년 1월 16일,2024.01.01', '20240131,-1510,2024年3月4日,2024년 12월 1일,2024.01.31']);
    assert.deepEqual(Object.values(c).map((col) => [col.type, col.format]), [
      ['date', '%Y%m%d'],
      ['integer', undefined],
      ['date', '%Y年%m月%d日'],
      ['date', '%Y년 %m월 %d일'],
      ['date', '%Y.%m.%d'],
    ]);
    // Not eight digits under another header: an amount.
    assert.equal((await infer('amounts.csv', ['取引番号,金額', '20240104,1', '20240131,2']))['c_53d6_5f15_756a_53f7']!.type, 'integer');
  });

  test('PostgreSQL\'s t alone in a column beside columns of t and f is a boolean (Airbnb\'s has_availability); e-Stat\'s … marks a missing figure', async () => {
    const listings = await infer('listings.csv', ['id,host_is_superhost,has_availability,hemisphere', '1,t,t,N', '2,f,t,N', '3,t,t,N']);
    assert.deepEqual([listings['has_availability']!.type, listings['hemisphere']!.type], ['boolean', 'text']);
    // Alone in its file, `t` says nothing.
    assert.equal((await infer('flags.csv', ['id,flag', '1,t', '2,t']))['flag']!.type, 'text');
    const estat = await infer('estat.csv', ['code,c2023', '01000,4417', '06000,…', '07000,4838']);
    assert.deepEqual([estat['c2023']!.type, estat['c2023']!.nullValues], ['integer', ['…']]);
  });

  test('a line with a field too many or too few keeps the delimiter (silver quarantines the line), so does a quote escaped with a backslash', async () => {
    const ragged = await inferFile('ragged.csv', ['id,name,v', ...Array.from({ length: 50 }, (_, i) => `${i},n${i},${i}`), '50,short']);
    assert.deepEqual([ragged.delimiter, ragged.columns.map((c) => c.name), ragged.rows], [',', ['id', 'name', 'v'], 50]);
    const escaped = await inferFile('escaped.csv', ['id,txt,v', '1,"He said \\"hi\\"",1', '2,ok,2']);
    // Read with escape: backslash (init writes it), every row: before, both were lines it could not read.
    assert.deepEqual([escaped.delimiter, escaped.columns.map((c) => c.name), escaped.escape, escaped.rows, escaped.unreadRecords], [',', ['id', 'txt', 'v'], '\\', 2, 0]);
    // A backslash ending a value of a standard CSV ("C:\") is no escape: read as the standard says.
    const paths = await inferFile('paths.csv', ['id,dir,v', '1,"C:\\",1', '2,"D:\\x",2']);
    assert.deepEqual([paths.escape, paths.rows, paths.unreadRecords], [undefined, 2, 0]);
    // \" beside backslashes as text (a path, a regex), or beside doubled quotes: not MySQL's escaping, whose backslashes would be dropped.
    for (const lines of [
      ['id,title,path', '1,"The \\"Best\\" report","C:\\reports\\new\\q1.pdf"', '2,"Regex","^\\d+$"'],
      ['id,title', '1,"He said \\"hi\\""', '2,"said ""slow"""'],
    ]) {
      assert.equal((await inferFile('mixed-style.csv', lines)).escape, undefined, lines.join('\n'));
    }
    // MySQL's \N is a missing value, in text columns too; a MySQL file without \" (\N, \\, \,) is read so too.
    const textNull = await inferFile('mysql-text.csv', ['id,name,note', '1,"O\\"Brien","hello"', '2,"x",\\N', '4,\\N,"z"']);
    assert.deepEqual([textNull.escape, textNull.nullValues, textNull.nullValuesInText], ['\\', ['\\N'], []]);
    const noQuote = await inferFile('mysql-plain.csv', ['id,path,note', '3,"C:\\\\temp",\\N', '4,"a\\, b",x']);
    assert.deepEqual([noQuote.escape, noQuote.rows], ['\\', 2]);
    // MySQL's \N is a missing value.
    const nulls = await inferFile('mysql-nulls.csv', ['id,n,txt', '1,\\N,"a \\"b\\""', '2,5,c']);
    assert.deepEqual([nulls.escape, nulls.nullValues, nulls.columns.find((c) => c.name === 'n')?.type], ['\\', ['\\N'], 'integer']);
  });

  test('a header of one column keeps it; lines without the header\'s fields are counted', async () => {
    const single = await inferFile('single.csv', ['Total (a|b)', '12', '13']);
    assert.deepEqual([single.columns.length, single.rows], [1, 2]);
    const none = await inferFile('none.csv', ['id,name', '1,Smith, John,5', '2,Doe, Ann,6']);
    assert.deepEqual([none.delimiter, none.rows, none.unreadRecords], [',', 0, 2]);
    const some = await inferFile('some.csv', ['id,name', '1,a', '2,b,extra', '3,c']);
    assert.deepEqual([some.rows, some.unreadRecords], [2, 1]);
  });

  test('decimal commas and no decimal point anywhere: decimal_separator ","; a "1,234" alone or a decimal point says otherwise', async () => {
    const german = await inferFile('preise.csv', ['artikel;betrag;menge;preis', 'Brötchen;12,50;1.200;0,99', 'Fahrrad;1.234;3;1.499,00', 'Auto;25.000;2;24.999,90']);
    assert.equal(german.decimalSeparator, ',');
    assert.deepEqual(german.columns.map((c) => [c.name, c.type]), [['artikel', 'text'], ['betrag', 'number'], ['menge', 'number'], ['preis', 'number']]);
    const english = await inferFile('prices.csv', ['item,amount,qty', 'bread,12.50,"1,200"', 'bike,"1,234.00",3']);
    assert.equal(english.decimalSeparator, '.');
    // "1,200" reads as a number only with commas grouping thousands, which "1,234.00" says: the definition declares it.
    assert.deepEqual([english.thousandsComma, english.columns.map((c) => c.type)], [true, ['text', 'number', 'number']]);
    // Thousands only, in a ;-separated file and two dots in one value: dots group thousands, so the comma is the decimal separator.
    const counts = await inferFile('counts.csv', ['city;people', 'Lyon;"1.234"', 'Paris;"2.100.000"']);
    assert.deepEqual([counts.decimalSeparator, counts.columns[1]!.type], [',', 'number']);
    // One dot of three digits in a comma-separated file: nothing tells.
    assert.equal((await inferFile('counts2.csv', ['city,people', 'Lyon,1.234', 'Paris,2.100'])).decimalSeparator, undefined);
  });

  test('whole amounts whose commas group thousands, no decimal anywhere: decimal_separator "." where the file tells it; 1,859 alone stays text', async () => {
    // A bank statement in yen: `1,493,586` (two commas: no decimal one) tells the one-comma `29,814` of the other column too.
    const yen = await inferFile('yen.csv', ['Date,Description,Withdrawal,Deposit,Balance', '2024-01-01,Txn 0,"29,814",,"1,493,586"', '2024-01-02,Txn 1,"48,650",,"1,444,936"', '2024-01-03,Txn 2,,"218,312","1,663,248"']);
    assert.deepEqual([yen.decimalSeparator, yen.thousandsComma, yen.columns.map((c) => c.type)], ['.', true, ['date', 'text', 'number', 'number', 'number']]);
    // One comma each, but a number below 1,000 written without one in a comma-separated file (a decimal comma would read 946 beside 29.814).
    const counts = await inferFile('visits.csv', ['site,visits', 'a,"29,814"', 'b,946', 'c,"12,005"']);
    assert.deepEqual([counts.thousandsComma, counts.columns[1]!.type], [true, 'number']);
    // A header in Japanese (e-Stat's population in thousands, MUFG's amounts): its locale writes decimal points.
    const estat = await inferFile('estat.csv', ['都道府県コード,都道府県,2020年', '"01000","北海道","8,416"', '"02000","青森県","12,560"', '"03000","岩手県","3,809"']);
    assert.deepEqual([estat.thousandsComma, estat.columns[2]!.type], [true, 'number']);
    // Three decimals after a comma alone (fuel prices in a ; or tab-separated file): nothing tells.
    for (const [name, lines] of [['carburants.csv', ['ville;prix', 'Bourg;"1,859"', 'Lyon;"1,949"']], ['carburants.tsv', ['ville\tprix', 'Bourg\t1,859', 'Lyon\t2,019']]] as const) {
      const fuel = await inferFile(name, [...lines]);
      assert.deepEqual([fuel.thousandsComma, fuel.columns[1]!.type], [undefined, 'text'], name);
    }
  });

  test('amounts with a currency or percent sign are numbers of that unit; two currencies in a column, or signs in text, stay text', async () => {
    // Inside Airbnb's prices and rates, an accounting export's negatives in parentheses.
    const listings = await inferFile('listings.csv', ['id,price,host_response_rate,balance,mixed,label', '1,"$1,234.00",98%,"($5.00)",$5,A $ sign', '2,$85.00,100%,$12.50,€5,B', '3,,N/A,7,$6,C']);
    assert.deepEqual(listings.columns.map((c) => [c.name, c.type, c.unit]), [
      ['id', 'integer', undefined],
      ['price', 'number', '$'],
      ['host_response_rate', 'integer', '%'],
      ['balance', 'number', '$'],
      ['mixed', 'text', undefined],
      ['label', 'text', undefined],
    ]);
    assert.deepEqual(listings.nullValues, ['N/A']);
    // Salesforce's amounts by currency code; a column of codes and numbers that are no amounts stays text.
    const report = await infer('report.csv', ['name,amount,ref', 'A,"USD 49,471,547.92",USD-1', 'B,USD 500.00,USD-2', 'C,USD -500.00,USD-3']);
    assert.deepEqual([report['amount']!.type, report['amount']!.unit, report['ref']!.type], ['number', 'USD', 'text']);
    // A German export's euros tell its decimal comma, as plain numbers would.
    const euros = await inferFile('umsatz.csv', ['monat;umsatz;anteil', '2024-01;1.234,56 €;12,5 %', '2024-02;-12,50 €;3 %']);
    assert.equal(euros.decimalSeparator, ',');
    assert.deepEqual(euros.columns.slice(1).map((c) => [c.type, c.unit]), [['number', '€'], ['number', '%']]);
    // A no-break space before the unit (U+00A0, U+202F), grouping thousands or after a sign first, as French exports and Excel write them.
    const fr = await inferFile('ventes.csv', ['mois;montant;taux;prix', '2024-01;1\u202f234,56\u00a0€;12,5\u00a0%;€\u00a012,50', '2024-02;74,50\u00a0€;\u22123\u202f%;€\u00a07']);
    assert.deepEqual(fr.columns.slice(1).map((c) => [c.type, c.unit]), [['number', '€'], ['number', '%'], ['number', '€']]);
    // The sign in late rows only (1,500 plain amounts, then a few with €): found past the first rows; names and cities are no amounts.
    const plain = Array.from({ length: 1500 }, (_, i) => `C${i};Smith;London;${i % 300},50`);
    const late = await inferFile('clients.csv', ['code;nom;ville;montant', ...plain, ...Array.from({ length: 5 }, (_, i) => `D${i};René;Besançon;${i + 1}2,50 €`)]);
    assert.deepEqual(late.columns.map((c) => [c.type, c.unit]), [['text', undefined], ['text', undefined], ['text', undefined], ['number', '€']]);
  });

  test('negatives in parentheses or with a trailing minus (accounting, SAP, DATEV) are numbers; text in parentheses and phone numbers stay text', async () => {
    const ledger = await inferFile('ledger.csv', ['amount,total,qty,note,phone', '(290.65),"(1,290.65)",(12),(see note),(555) 123-4567', '290.65,"1,234.50-",3,ok,(555) 123-4568', '614.10-,12.00,4-,(a),(555) 123-4569']);
    assert.equal(ledger.decimalSeparator, '.');
    assert.deepEqual(ledger.columns.map((c) => [c.name, c.type]), [['amount', 'number'], ['total', 'number'], ['qty', 'integer'], ['note', 'text'], ['phone', 'text']]);
    // An amount column of parentheses and plain numbers alone is a column of decimals, not integers or text.
    const mixed = await inferFile('mixed.csv', ['amount', '(290.65)', '290.65', '(12)']);
    assert.deepEqual(mixed.columns.map((c) => c.type), ['number']);
    // DATEV's and SAP's minus after the number, with decimal commas; and after a unit's number.
    const datev = await inferFile('buchungen.csv', ['umsatz;menge;betrag', '614,10-;1;614,10- €', '1.234,56;(7);12,50 €', '12,00-;3;(1.290,65 €)']);
    assert.equal(datev.decimalSeparator, ',');
    assert.deepEqual(datev.columns.map((c) => [c.name, c.type, c.unit]), [['umsatz', 'number', undefined], ['menge', 'integer', undefined], ['betrag', 'number', '€']]);
  });

  test('times with a no-break space before AM/PM (U+202F, as newer Excel, macOS and ICU write them; U+00A0) are timestamps of their format', async () => {
    const c = await infer('visits.csv', ['id,at,iso', '1,3/14/2024 2:05\u202fPM,2024-03-14\u00a010:00:00', '2,3/15/2024 11:30\u00a0AM,2024-03-15 10:00:00', '3,3/16/2024\u202f1:00 PM,2024-03-16 10:00:00']);
    assert.deepEqual([c['at']!.type, c['at']!.format], ['timestamp', '%m/%d/%Y %I:%M %p']);
    assert.equal(c['iso']!.type, 'timestamp');
  });

  test('amounts are no key, unique as they are in a small file: text of numbers with decimals, or a column named as money; codes led by a zero and ids stay candidates', async () => {
    const csv = await inferFile('amounts.csv', ['price,amount,nace,ref,label', '$5.00,12,01.11,2024.001,a', '€7.25,13,01.12,2024.002,b', '$12.10,99,01.13,2024.003,c']);
    assert.deepEqual(csv.columns.map((c) => [c.name, c.type, c.unique, c.amounts]), [
      ['price', 'text', true, true],
      // Whole amounts are numbers (a later file's 12.50 reads), which no key is.
      ['amount', 'number', true, undefined],
      ['nace', 'text', true, undefined],
      ['ref', 'text', true, undefined],
      ['label', 'text', true, undefined],
    ]);
    // `ref`, an id written with a point (text, as written), is the key; without it, the first column, unique, is
    // none, where it would have been (nace is no id by its name, nor first).
    assert.deepEqual(keyOf(csv), ['ref']);
    assert.deepEqual(keyOf({ ...csv, columns: csv.columns.filter((c) => c.name !== 'ref') }), []);
    // Fuel prices of three decimals after a comma, thousands or decimals: text, and no key either.
    const fuel = await inferFile('carburants.csv', ['prix;ville', '"1,859";Bourg', '"1,749";Lyon', '"1,699";Nice']);
    assert.deepEqual([fuel.columns[0]!.type, fuel.columns[0]!.amounts, keyOf(fuel)], ['text', true, []]);
    // A column of codes led by a zero first is the key, as before.
    assert.deepEqual(keyOf(await inferFile('nace.csv', ['nace,label', '01.11,Cereals', '01.12,Rice', '01.13,Vegetables'])), ['nace']);
  });

  test("free text first in a file of dates (Netflix's `Title,Date`) is no key, however unique; a code or an id first, and names in a table without dates, stay the key", async () => {
    const netflix = await inferFile('NetflixViewingHistory.csv', ['Title,Date', '"Stranger Things: Season 4: Chapter 1: The Hellfire Club",1/15/24', '"Squid Game: Season 1: Red Light, Green Light",12/31/23', 'The Irishman,7/4/21']);
    assert.deepEqual([netflix.columns[0]!.unique, netflix.columns[0]!.words, keyOf(netflix)], [true, true, []]);
    // A timestamp tells the rows are events too.
    assert.deepEqual(keyOf(await inferFile('watched.csv', ['Title,Watched At', 'The Crown,2024-01-15 20:00:00', 'Glass Onion,2024-01-16 21:00:00', 'Dune Part Two,2024-01-17 19:30:00'])), []);
    assert.deepEqual(keyOf(await inferFile('sales.csv', ['Sale,Date,Units', 'Sales_101,2024-01-15,3', 'Sales_102,2024-01-16,4', 'Sales_103,2024-01-17,5'])), ['sale']);
    assert.deepEqual(keyOf(await inferFile('states.csv', ['State,Date,Cases', 'US-CA,2024-01-15,3', 'US-NY,2024-01-15,4', 'US-TX,2024-01-15,5'])), ['state']);
    assert.deepEqual(keyOf(await inferFile('visits.csv', ['Visit,Date,Page', '101,2024-01-15,Home page', '102,2024-01-16,About us', '103,2024-01-17,Contact form'])), ['visit']);
    // Names of countries with spaces, in a table without dates: the key, as before.
    assert.deepEqual(keyOf(await inferFile('gdp.csv', ['Country,GDP,Population', 'United States,27360,334', 'United Kingdom,3340,68', 'New Zealand,253,5'])), ['country']);
  });

  test('a wide file is read in parts: 300 columns in seconds, not gigabytes', async () => {
    const header = ['id', ...Array.from({ length: 299 }, (_, i) => `c${i + 1}`)].join(',');
    const rows = Array.from({ length: 10 }, (_, r) => [r, ...Array.from({ length: 299 }, (_, i) => r * (i + 1))].join(','));
    const csv = await inferFile('wide.csv', [header, ...rows]);
    assert.equal(csv.columns.length, 300);
    assert.ok(csv.columns.every((c) => c.type === 'integer'));
  });

  test('a missing-value spelling that is a value of a text column is pointed out', async () => {
    const csv = await inferFile('na.csv', ['id,country,score', '1,NA,10', '2,FR,NA', '3,US,5']);
    assert.deepEqual(csv.nullValues, ['NA']);
    assert.deepEqual(csv.nullValuesInText, [{ value: 'NA', columns: ['country'] }]);
  });

  test('a file that is not UTF-8 is read as windows-1252 (Excel\'s Western European exports, Latin-1), from a UTF-8 copy', async () => {
    const file = path.join(dir, 'latin.csv');
    await fs.writeFile(file, Buffer.from('id;nom;ville\r\n1;Ren\xe9;Orl\xe9ans\r\n2;Zo\xeb;\x80uro\r\n', 'latin1'));
    const csv = await inferCsv(engine, file, 'latin.csv');
    assert.deepEqual([csv.encoding, csv.delimiter, csv.rows, csv.columns.map((c) => c.name)], ['windows-1252', ';', 2, ['id', 'nom', 'ville']]);
    assert.notEqual(csv.text, file);
    const names = await engine.rows(`SELECT c1 AS nom, c2 AS ville FROM ${textReader(csv.text, ';', 3)} ORDER BY c0`);
    assert.deepEqual(names, [{ nom: 'René', ville: 'Orléans' }, { nom: 'Zoë', ville: '€uro' }]);
    // The first MiB ASCII, a windows-1252 byte later: windows-1252 all the same.
    const late = path.join(dir, 'late.csv');
    await fs.writeFile(late, Buffer.concat([Buffer.from(`id;nom\n${'1;plain\n'.repeat(200_000)}`), Buffer.from('2;Ren\xe9\n', 'latin1')]));
    assert.equal((await inferCsv(engine, late)).encoding, 'windows-1252');
    const utf8 = path.join(dir, 'utf8.csv');
    await fs.writeFile(utf8, 'id;nom\n1;René\n');
    assert.deepEqual([(await inferCsv(engine, utf8)).encoding, (await inferCsv(engine, utf8)).text], ['utf-8', utf8]);
  });

  test('a Shift_JIS file is refused, not read as windows-1252; a UTF-8 file with one windows-1252 row keeps its UTF-8 text', async () => {
    const sjis = Buffer.from([0x8e, 0xd0, 0x88, 0xf5, 0x94, 0xd4, 0x8d, 0x86, 0x2c, 0x8e, 0x81, 0x96, 0xbc, 0x0a, 0x31, 0x2c, 0x8e, 0x52, 0x93, 0x63, 0x20, 0x91, 0xbe, 0x98, 0x59, 0x0a]);
    assert.match(await refusal('shain.csv', sjis), /shain\.csv is neither UTF-8 nor windows-1252 text/);
    const file = path.join(dir, 'mixed.csv');
    await fs.writeFile(file, Buffer.concat([Buffer.from('id,nom\n1,Müller\n2,Zoë\n'), Buffer.from('3,Jürgen\n', 'latin1')]));
    const csv = await inferCsv(engine, file);
    assert.equal(csv.encoding, 'windows-1252');
    assert.deepEqual(await engine.rows(`SELECT c1 FROM ${textReader(csv.text, ',', 2)}`), [{ c1: 'Müller' }, { c1: 'Zoë' }, { c1: 'Jürgen' }]);
  });

  test('three Chinese city names in GBK among 500 rows are refused, not declared windows-1252; the hint saves a UTF-8 copy beside the file given', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => Buffer.from(`${i + 1},C${i},Paris,9.98\r\n`));
    // 北京, 上海, 广州: windows-1252 would read ±±¾©, ÉÏº£, ¹ãÖÝ.
    for (const [at, city] of [[10, [0xb1, 0xb1, 0xbe, 0xa9]], [200, [0xc9, 0xcf, 0xba, 0xa3]], [350, [0xb9, 0xe3, 0xd6, 0xdd]]] as const) rows[at] = Buffer.concat([Buffer.from(`${at + 1},C${at},`), Buffer.from(city), Buffer.from(',50.20\r\n')]);
    const file = path.join(dir, 'orders_gbk.csv');
    await fs.writeFile(file, Buffer.concat([Buffer.from('order_id,customer,city,amount\r\n'), ...rows]));
    const err = await inferCsv(engine, file, 'orders_gbk.csv').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof UserError);
    assert.match(err.message, /^orders_gbk\.csv is neither UTF-8 nor windows-1252 text: its bytes pair as Chinese GBK \(GB18030\) writes them/);
    assert.ok(err.hint?.startsWith(`save it as UTF-8, for example: iconv -f GB18030 -t UTF-8 ${file} > ${path.join(dir, 'orders_gbk.utf8.csv')}, and give that file instead`), err.hint);
  });

  test('a Ctrl-Z ending a dBase export, after the last date or alone on its line, is the end of the file: the date column is a date, no line unread', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `${1000 + i},CUSTOMER ${i},${(i * 7.31).toFixed(2)},${String((i % 12) + 1).padStart(2, '0')}/${String((i % 28) + 1).padStart(2, '0')}/1998`);
    for (const [name, end] of [['dbase_export.txt', '\x1a'], ['dbase_export2.txt', '\r\n\x1a']]) {
      const file = path.join(dir, name!);
      await fs.writeFile(file, `ID,NAME,AMOUNT,DATE\r\n${rows.join('\r\n')}${end}`);
      const csv = await inferCsv(engine, file);
      assert.deepEqual([csv.rows, csv.unreadRecords, csv.columns.map((c) => [c.type, c.format])], [200, 0, [['integer', undefined], ['text', undefined], ['number', undefined], ['date', '%m/%d/%Y']]]);
      assert.deepEqual(await engine.rows(`SELECT c3 FROM ${textReader(csv.text, ',', 4)} WHERE c0 = '1199'`), [{ c3: '08/04/1998' }]);
    }
  });

  test('tabs after values (Alipay: `2024…889\\t,`, so that Excel does not round an id) are trimmed as silver trims them: the times are timestamps, the booleans booleans', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `20240401220014123412345678${String(i).padStart(2, '0')}\t,T200P${i}\t,2024-01-01 09:${String(i).padStart(2, '0')}:00\t,${i % 2 ? 'true' : 'false'}\t,${i}.50`);
    const csv = await inferFile('alipay_record_20240401.csv', ['交易号,商家订单号,交易创建时间,已付,金额', ...rows]);
    assert.deepEqual(csv.columns.map((c) => c.type), ['text', 'text', 'timestamp', 'boolean', 'number']);
    // An id of 28 digits, unique: text, as ids are (with its tab it read as a number too wide for a double).
    assert.deepEqual([csv.columns[0]!.unique, csv.columns[0]!.tooPrecise], [true, undefined]);
    // Tab-separated, where a tab is the delimiter, a value is read as before.
    const tsv = await inferFile('tabs.tsv', ['id\tat', '1\t2024-01-01 09:00:00', '2\t2024-01-02 10:00:00']);
    assert.deepEqual(tsv.columns.map((c) => c.type), ['integer', 'timestamp']);
  });

  test('a file of UTF-16 text without its byte-order mark or of blank lines is refused in one line that says what to do', async () => {
    assert.match(await refusal('u16.csv', Buffer.from('id,name\n1,a\n', 'utf16le')), /not UTF-8 text: its first line has NUL bytes \(UTF-16 without the byte-order mark that would tell it\?\)/);
    assert.match(await refusal('blank.csv', Buffer.from('\n \n\r\n')), /blank\.csv has no header line: its lines are blank/);
  });
});
