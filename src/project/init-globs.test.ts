import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesAny } from './globs.js';
import { fileStem } from './file-stem.js';
import { datasetGlobs } from './init-globs.js';
import { widerGlob } from './same-header.js';
import type { DatasetSpec, Project } from './types.js';

/** The datasets (by index) whose globs match `name`. */
const claims = (globs: { globs: string[] }[], name: string) => globs.flatMap((g, i) => (matchesAny(g.globs, name) ? [i] : []));

test('two stems, one extending the other (orders, orders_lines): each dataset takes its own later files and none of the other', () => {
  for (const shapes of [
    [{ stem: 'orders', files: ['/in/orders.csv'] }, { stem: 'orders_lines', files: ['/in/orders_lines.csv'] }],
    // Given the other way round, or each with a dated file already.
    [{ stem: 'orders_lines', files: ['/in/orders_lines_2024-01.csv'] }, { stem: 'orders', files: ['/in/orders_2024-01.csv'] }],
  ]) {
    const globs = datasetGlobs(shapes);
    const [orders, lines] = shapes[0]!.stem === 'orders' ? [0, 1] : [1, 0];
    assert.deepEqual(globs[lines]!.globs, ['orders_lines*.csv'], 'the longer stem keeps its glob');
    assert.equal(globs[orders]!.narrowed, 'later');
    assert.equal(globs[orders]!.clash, lines);
    assert.deepEqual(claims(globs, shapes[orders]!.files[0]!.slice(4)), [orders]);
    for (const name of ['orders_2024-01.csv', 'orders_2024-02.csv', 'Orders-2024-03.csv', 'orders 2024 04.csv', 'orders20240501.csv', 'orders_7.csv']) assert.deepEqual(claims(globs, name), [orders], name);
    for (const name of ['orders_lines.csv', 'orders_lines_2024-01.csv', 'orders_lines_2024-02.csv', 'ORDERS_LINES-7.csv']) assert.deepEqual(claims(globs, name), [lines], name);
    // Neither takes a name it cannot tell: no file goes to two datasets.
    for (const name of ['orders_customers.csv', 'orders.tsv']) assert.ok(claims(globs, name).length <= 1, name);
  }
});

test('two datasets of one stem (sp500.csv beside sp500-2000.csv) each name their files; stems apart keep <stem>*', () => {
  const globs = datasetGlobs([
    { stem: 'sp500', files: ['/in/sp500-2000.csv'] },
    { stem: 'sp500', files: ['/in/sp500.csv'] },
    { stem: 'airports', files: ['/in/airports.csv'] },
    { stem: 'rates', files: ['/in/rates_2024.tsv'] },
    { stem: 'rates', files: ['/in/rates_2023.csv'] },
  ]);
  assert.deepEqual(globs.map((g) => g.globs), [['sp500-2000.csv'], ['sp500.csv'], ['airports*.csv'], ['rates*.tsv'], ['rates*.csv']]);
  assert.deepEqual(globs.map((g) => g.narrowed), ['names', 'names', undefined, undefined, undefined]);
  // A name the globs would read otherwise is matched as itself.
  assert.deepEqual(datasetGlobs([{ stem: 'report [1]', files: ['/in/report [1].csv'] }, { stem: 'report [1] lines', files: ['/in/report [1] lines.csv'] }]).map((g) => g.globs[0]), ['report ?1?.csv', 'report ?1? lines*.csv']);
});

test('stems after a date (202401-trips.csv) take the next month\'s files by the date\'s digits, and none of another dataset\'s', () => {
  const six = '[0-9][0-9][0-9][0-9][0-9][0-9]-';
  const globs = datasetGlobs([
    { stem: 'trips', prefix: six, files: ['/in/202401-trips.csv', '/in/202402-trips.csv'] },
    { stem: 'stations', prefix: six, files: ['/in/202401-stations.csv'] },
    { stem: 'trips', files: ['/in/trips.csv'] },
    { stem: '2024', files: ['/in/2024.csv'] },
  ]);
  assert.deepEqual(globs.map((g) => g.globs), [[`${six}trips*.csv`], [`${six}stations*.csv`], ['trips*.csv'], ['2024.csv']]);
  // `2024*.csv` would take 202401-trips.csv: the dataset of 2024.csv names its file, the dated ones keep their globs.
  assert.deepEqual(globs.map((g) => g.narrowed), [undefined, undefined, undefined, 'names']);
  for (const [name, owner] of [['202403-trips.csv', 0], ['202403-trips_1.csv', 0], ['202403-stations.csv', 1], ['202401-stations-trips.csv', 1], ['trips_2024-03.csv', 2], ['2024.csv', 3]] as const) assert.deepEqual(claims(globs, name), [owner], name);
});

test('exports named with a download hash (Mailchimp) or a date naming its month (Fidelity): each dataset\'s glob takes its next export and none of another\'s', () => {
  const given = ['subscribed_members_export_3f8e2a91c4.csv', 'cleaned_members_export_3f8e2a91c4.csv', 'unsubscribed_members_export_3f8e2a91c4.csv', 'Portfolio_Positions_Jan-31-2024.csv'];
  const globs = datasetGlobs(given.map((f) => ({ stem: fileStem(f), files: [`/in/${f}`] })));
  assert.deepEqual(globs.map((g) => g.globs), [['subscribed_members_export*.csv'], ['cleaned_members_export*.csv'], ['unsubscribed_members_export*.csv'], ['Portfolio_Positions*.csv']]);
  for (const [name, owner] of [
    ['subscribed_members_export_9b1d0e77fa.csv', 0],
    ['cleaned_members_export_9b1d0e77fa.csv', 1],
    ['unsubscribed_members_export_9b1d0e77fa.csv', 2],
    ['Portfolio_Positions_Feb-29-2024.csv', 3],
    ['Portfolio_Positions_Mar-28-2024.csv', 3],
  ] as const) assert.deepEqual(claims(globs, name), [owner], name);
});

test('the glob suggested for a later export no glob matches is its stem\'s, whatever the date or id after it', () => {
  const spec = (name: string, files: string[]) => ({ name, files }) as unknown as DatasetSpec;
  const members = spec('subscribed_members_export', ['subscribed_members_export_3f8e2a91c4.csv']);
  const positions = spec('portfolio_positions', ['Portfolio_Positions_Jan-31-2024.csv']);
  const orders = spec('orders', ['orders.csv']);
  const project = { datasets: [members, positions, orders, spec('unsubscribed', ['unsubscribed_members_export*.csv'])] } as unknown as Project;
  assert.equal(widerGlob(project, members, 'subscribed_members_export_9b1d0e77fa.csv'), 'subscribed_members_export_*.csv');
  assert.equal(widerGlob(project, positions, 'Portfolio_Positions_Feb-29-2024.csv'), 'Portfolio_Positions_*.csv');
  assert.ok(matchesAny(['Portfolio_Positions_*.csv'], 'Portfolio_Positions_Mar-28-2024.csv'));
  // Dates and numbers in digits as before; a month alone is a name.
  assert.equal(widerGlob(project, orders, 'orders_2024-02.csv'), 'orders_[0-9]*.csv');
  assert.equal(widerGlob(project, orders, 'orders_backfill_3.csv'), 'orders_backfill_[0-9]*.csv');
  assert.equal(widerGlob(project, orders, 'orders_feb.csv'), 'orders_feb.csv');
  // One that would take another dataset's files is the name itself.
  const clash = { datasets: [members, spec('other', ['subscribed_members_export_old*.csv'])] } as unknown as Project;
  assert.equal(widerGlob(clash, members, 'subscribed_members_export_9b1d0e77fa.csv'), 'subscribed_members_export_9b1d0e77fa.csv');
});
