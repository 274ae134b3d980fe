import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datePrefix, fileStem, prefixGlob } from './file-stem.js';
import { projectName } from './init.js';

test('a dataset is named after its file without the dates and part numbers its deliveries add', () => {
  const stems: [string, string][] = [
    ['orders_2024-01.csv', 'orders'],
    ['orders_2024_01_15.csv', 'orders'],
    ['data 2023 12 31.csv', 'data'],
    ['export-3.csv', 'export'],
    ['part-00001.csv', 'part'],
    ['sales202401.csv', 'sales'],
    ['flights2024.csv', 'flights'],
    ['sp500-2000.csv', 'sp500'],
    // A number that names the data stays: NYC's 311 service requests, a top 100.
    ['nyc_311.csv', 'nyc_311'],
    ['nyc_311_2024-01.csv', 'nyc_311'],
    ['top_100.tsv', 'top_100'],
    ['report_v2.csv', 'report_v2'],
    ['2024.csv', '2024'],
    ['orders_20240115_143000.csv', 'orders'],
    ['users-1700000000.csv', 'users'],
    ['coyuntura_2024M01.csv', 'coyuntura'],
    ['gdp_2023Q4.tsv', 'gdp'],
    // Download ids: Salesforce's time, the World Bank's number after its version.
    ['report1710512345678.csv', 'report'],
    ['DGS10 (1).csv', 'DGS10'],
    ['API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2875.csv', 'API_NY.GDP.MKTP.CD_DS2_en_csv_v2'],
    // Numbered parts of one delivery (the Land Registry's yearly files in two parts); a part that names the data stays.
    ['pp-2019-part1.csv', 'pp'],
    ['pp-2019-part2.csv', 'pp'],
    ['sales_2024_part_1.csv', 'sales'],
    ['orders-2024-Part3.csv', 'orders'],
    ['spare_part.csv', 'spare_part'],
    // (A name ending with a part and a number loses both: `spare_part_2` is read as part 2 of `spare`.)
    ['spare_part_2.csv', 'spare'],
    ['sales_part_3.csv', 'sales'],
    ['export-part-3.csv', 'export'],
    // A statement's period, and what follows it (Revolut's locale and download id; Chase's dates).
    ['account-statement_2024-01-01_2024-02-29_en-gb_3f2a1b.csv', 'account-statement'],
    ['Chase1234_Activity20240201_20240229_20240301.CSV', 'Chase1234_Activity'],
    ['stmt_20240101-20240131.csv', 'stmt'],
    // One date in the middle names no period: the rest may tell tables apart; so does a word after a period.
    ['sales_2024-01-01_eu.csv', 'sales_2024-01-01_eu'],
    ['rates_2024-01-01_2024-01-31_eur.csv', 'rates_2024-01-01_2024-01-31_eur'],
    // A date or period before the name, as after it (Citi Bike's monthly trips, in parts too).
    ['202401-citibike-tripdata.csv', 'citibike-tripdata'],
    ['202401-citibike-tripdata_1.csv', 'citibike-tripdata'],
    ['2024-01_sales.csv', 'sales'],
    ['2024_01_sales.csv', 'sales'],
    ['20240115_sales.csv', 'sales'],
    ['20240115_143000_sales.csv', 'sales'],
    ['2024Q1-sales.csv', 'sales'],
    ['2024 Annual Report.csv', 'Annual Report'],
    // Sparkasse's statements: the day, then the account's number, which names the account and stays.
    ['20240131-1234567-umsatz.CSV', '1234567-umsatz'],
    ['2019-2020_season.csv', '2019-2020_season'],
    // A leading number that names the data stays, and so does a date that is the whole name.
    ['311_requests.csv', '311_requests'],
    ['2fa_users.csv', '2fa_users'],
    ['500_cities.csv', '500_cities'],
    ['1000_genomes.csv', '1000_genomes'],
    ['2024_13_sales.csv', '2024_13_sales'],
    ['2024-01.csv', '2024'],
  ];
  for (const [file, stem] of stems) assert.equal(fileStem(file), stem, file);
  assert.deepEqual(['202401-citibike-tripdata.csv', '2024-01_sales.csv', '2024Q1-sales.csv', '311_requests.csv'].map((f) => prefixGlob(datePrefix(f))), ['[0-9][0-9][0-9][0-9][0-9][0-9]-', '[0-9][0-9][0-9][0-9]-[0-9][0-9]_', '[0-9][0-9][0-9][0-9]Q[0-9]-', '']);
});

test('a date naming its month, and a download id, are no part of a dataset\'s name; a word that holds a month\'s letters is', () => {
  const stems: [string, string][] = [
    // Fidelity's positions, month by month: one dataset whatever the month.
    ['Portfolio_Positions_Jan-31-2024.csv', 'Portfolio_Positions'],
    ['Portfolio_Positions_Feb-29-2024.csv', 'Portfolio_Positions'],
    ['sales_31-Jan-2024.csv', 'sales'],
    ['sales_31-Jan-24.csv', 'sales'],
    ['sales_Jan 31, 2024.csv', 'sales'],
    ['sales_January 2024.csv', 'sales'],
    ['sales_2024-Jan.csv', 'sales'],
    ['report_2024-Jan-31.csv', 'report'],
    ['sales_jan2024.csv', 'sales'],
    ['sales_Sep_2024.csv', 'sales'],
    ['sales_Sept-2024.csv', 'sales'],
    ['sales_Jan-31.csv', 'sales'],
    // A period of two dates, with `to` between them or not; numeric ones too.
    ['statement_01-Jan-2024_to_31-Jan-2024.csv', 'statement'],
    ['statement_Jan-2024_Mar-2024.csv', 'statement'],
    ['statement_2024-01-01_to_2024-01-31.csv', 'statement'],
    ['statement_2024-01-01_2024-01-31.csv', 'statement'],
    // French, German and Spanish months.
    ['ventes_janv_2024.csv', 'ventes'],
    ['ventes_févr-2024.csv', 'ventes'],
    ['ventes_31-déc-2024.csv', 'ventes'],
    ['umsatz_Mär_2024.csv', 'umsatz'],
    ['umsatz_okt-2024.csv', 'umsatz'],
    ['umsatz_Dez.2024.csv', 'umsatz'],
    ['ventas_ene-2024.csv', 'ventas'],
    ['ventas_ago_2024.csv', 'ventas'],
    // Words holding a month's letters, and a month without a day or year, stay.
    ['Marketing_2024.csv', 'Marketing'],
    ['Decisions_2024.csv', 'Decisions'],
    ['mayor_2024.csv', 'mayor'],
    ['Junk_2024-01.csv', 'Junk'],
    ['sales_may.csv', 'sales_may'],
    ['orders_feb.csv', 'orders_feb'],
    ['data_set_2024.csv', 'data_set'],
    // Mailchimp's exports: a hash per download, three tables.
    ['subscribed_members_export_3f8e2a91c4.csv', 'subscribed_members_export'],
    ['subscribed_members_export_9b1d0e77fa.csv', 'subscribed_members_export'],
    ['cleaned_members_export_3f8e2a91c4.csv', 'cleaned_members_export'],
    ['unsubscribed_members_export_3F8E2A91C4.csv', 'unsubscribed_members_export'],
    ['export_123e4567-e89b-12d3-a456-426614174000.csv', 'export'],
    ['Accounts_Jan_2024_3f8e2a91c4.csv', 'Accounts'],
    // Not a word of hex letters, a word then a number, nor a number (an account's).
    ['logs_deadbeef.csv', 'logs_deadbeef'],
    ['logs_deadbeef12.csv', 'logs_deadbeef12'],
    ['account_12345678.csv', 'account_12345678'],
    ['20240131-1234567-umsatz.CSV', '1234567-umsatz'],
  ];
  for (const [file, stem] of stems) assert.equal(fileStem(file), stem, file);
});

test('a project is named after its folder, two characters at least', () => {
  assert.equal(projectName('/tmp/My Flights 2024'), 'my-flights-2024');
  assert.equal(projectName('/tmp/Données été'), 'donnees-ete');
  assert.equal(projectName('/tmp/p'), 'p-project');
  assert.equal(projectName('/tmp/2024'), 'my-project');
});
