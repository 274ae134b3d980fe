import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closest } from './closest.js';

describe('closest', () => {
  it('takes a swap of two neighbouring letters for one typo', () => {
    assert.equal(closest('tpye', ['type', 'required', 'format']), 'type');
    assert.equal(closest('fromat', ['type', 'required', 'format']), 'format');
  });
  it('takes a letter left out, added or changed, and an abbreviation', () => {
    assert.equal(closest('partition_bye', ['partition_by', 'key']), 'partition_by');
    assert.equal(closest('int', ['integer', 'number']), 'integer');
  });
  it('names nothing for a word far from every candidate', () => {
    assert.equal(closest('colour', ['type', 'format']), undefined);
  });
});
