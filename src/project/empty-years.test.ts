import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InferredColumn } from './inferred.js';
import { typeEmptyYears } from './empty-years.js';

const column = (header: string, type: InferredColumn['type'], distinct: number): InferredColumn => ({ header, name: /^\d/.test(header) ? `c_${header}` : header.toLowerCase(), type, complete: false, unique: false, distinct });

describe('typeEmptyYears', () => {
  it("types the World Bank's empty latest year as its other years are", () => {
    const columns = [column('Country Name', 'text', 26), column('2020', 'number', 20), column('2021', 'number', 21), column('2022', 'integer', 19), column('2023', 'text', 0)];
    assert.deepEqual(typeEmptyYears(columns).map((c) => [c.name, c.type]), [['c_2023', 'number']]);
    assert.equal(columns[4]!.emptyYear, true);
  });
  it('integers when every other year holds integers (populations)', () => {
    const columns = [column('1960', 'integer', 5), column('1961', 'integer', 5), column('1962', 'integer', 5), column('1963', 'text', 0)];
    assert.equal(typeEmptyYears(columns)[0]!.type, 'integer');
  });
  it('leaves an empty column text where too few years have figures, where they are not numbers, or where it is no year', () => {
    assert.deepEqual(typeEmptyYears([column('2021', 'number', 3), column('2022', 'number', 3), column('2023', 'text', 0)]), []);
    assert.deepEqual(typeEmptyYears([column('2020', 'text', 3), column('2021', 'number', 3), column('2022', 'number', 3), column('2023', 'text', 0)]), []);
    assert.deepEqual(typeEmptyYears([column('2020', 'number', 3), column('2021', 'number', 3), column('2022', 'number', 3), column('Notes', 'text', 0)]), []);
  });
});
