import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesAny } from './globs.js';

test('file names match their globs ignoring case, and whatever Unicode form an accent takes (macOS writes é decomposed)', () => {
  const decomposed = 'Donne\u0301es 2026.csv';
  assert.notEqual(decomposed, 'Données 2026.csv');
  assert.ok(matchesAny(['données*.csv'], decomposed));
  assert.ok(matchesAny(['donne\u0301es*.csv'], 'DONNÉES_2027.CSV'));
  assert.ok(!matchesAny(['donnees*.csv'], decomposed), 'an accent is no other letter');
});
