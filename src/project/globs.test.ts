import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globsOverlap, literalGlob, matchesAny, validGlob } from './globs.js';

test('file names match their globs ignoring case, and whatever Unicode form an accent takes (macOS writes é decomposed)', () => {
  const decomposed = 'Donne\u0301es 2026.csv';
  assert.notEqual(decomposed, 'Données 2026.csv');
  assert.ok(matchesAny(['données*.csv'], decomposed));
  assert.ok(matchesAny(['donne\u0301es*.csv'], 'DONNÉES_2027.CSV'));
  assert.ok(!matchesAny(['donnees*.csv'], decomposed), 'an accent is no other letter');
});

test('[...] matches one of its characters or ranges, ignoring case; a glob that is not one is refused saying why', () => {
  assert.ok(matchesAny(['orders[0-9]*.csv'], 'orders2024.csv'));
  assert.ok(matchesAny(['orders[-_. ][0-9]*.csv'], 'ORDERS_2024-02.CSV'));
  assert.ok(matchesAny(['orders[-_. ][0-9]*.csv'], 'orders 7.csv'));
  assert.ok(!matchesAny(['orders[-_. ][0-9]*.csv'], 'orders_lines.csv'));
  assert.ok(matchesAny(['report_[a-z].csv'], 'REPORT_B.csv'));
  assert.equal(validGlob('orders[-_. ][0-9]*.csv'), undefined);
  assert.match(validGlob('orders[0-9*.csv') ?? '', /a \[ without its \]/);
  assert.match(validGlob('orders[!0-9]*.csv') ?? '', /no negated/);
  assert.match(validGlob('orders[9-0]*.csv') ?? '', /no range/);
  assert.match(validGlob('orders{a,b}.csv') ?? '', /only \*, \? and \[\.\.\.\] are wildcards/);
});

test('two globs overlap where some name matches both, [...] compared by its characters', () => {
  // init's globs for orders.csv beside orders_lines.csv: neither claims the other's files.
  for (const own of ['orders.csv', 'orders[0-9]*.csv', 'orders[-_. ][0-9]*.csv']) assert.ok(!globsOverlap(own, 'orders_lines*.csv'), own);
  assert.ok(globsOverlap('orders*.csv', 'orders_lines*.csv'));
  assert.ok(globsOverlap('orders[-_. ][0-9]*.csv', 'orders_2*.csv'));
  assert.ok(globsOverlap('ORDERS_[A-Z]*.csv', 'orders_lines.csv'), 'letters compared whatever their case');
  assert.ok(!globsOverlap('orders_[0-9]*.csv', 'orders_[a-z]*.csv'));
  assert.ok(globsOverlap('data?.csv', 'data[0-9].csv'));
});

test('a file name as a glob matches it alone, whatever characters it holds', () => {
  for (const name of ['report [1].csv', 'a*b?.csv', 'sales {eu}!.csv']) {
    const glob = literalGlob(name);
    assert.equal(validGlob(glob), undefined, glob);
    assert.ok(matchesAny([glob], name), glob);
  }
});
