import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DatasetSpec } from '../project/types.js';
import { shopDataset } from '../../test/support/shop.js';
import { columnNames, headerKeys, matchHeader, parseHeader } from './csv-header.js';
import { headerProblem } from './header-problem.js';

/** A dataset declaring these columns (all optional), as `init --from-csv` would name them. */
const declaring = (names: string[]): DatasetSpec => ({
  ...shopDataset('achats'),
  name: 'table',
  key: [],
  partitionBy: undefined,
  rules: [],
  references: [],
  columns: Object.fromEntries(names.map((n) => [n, { type: 'text', required: false, personal: false }])),
});

describe('header names and their match with a definition', () => {
  test('init names every field of a real-world header, and each name matches its field again', () => {
    // Years as column names, a field with no name (a trailing delimiter), a repeated name, two spellings of one name.
    const header = parseHeader('Country,2019,2020,% change,,Note,note,Order ID,order_id,');
    const names = columnNames(header);
    assert.deepEqual(names, ['country', 'c_2019', 'c_2020', 'pct_change', 'column_5', 'note', 'note_2', 'order_id', 'order_id_2', 'column_10']);
    const match = matchHeader(header, declaring(names));
    assert.deepEqual(match.names, names);
    assert.deepEqual([match.extra, match.duplicated, match.missingOptional], [[], [], []]);
  });

  test('notes a statistics office appends to a header (`2021 [note 2]`, `2023 [provisional]`) are no part of the name: the next release, without them, fills the same columns', () => {
    const header = parseHeader('Area code,2021 [note 2],2022,2023 [provisional] [note 3],Rate [x]');
    const names = columnNames(header);
    assert.deepEqual(names, ['area_code', 'c_2021', 'c_2022', 'c_2023', 'rate_x']);
    assert.deepEqual(matchHeader(parseHeader('Area code,2021,2022 [revised],2023,Rate [x]'), declaring(names)).names, names);
    // Two fields one name but for a note keep it: numbered by position, another order would swap them.
    const both = columnNames(parseHeader('Value [p],Value'));
    assert.deepEqual(both, ['value_p', 'value']);
    assert.deepEqual(matchHeader(parseHeader('Value,Value [p]'), declaring(both)).names, ['value', 'value_p']);
    // A definition written with the notes in its names still loads the file that has them.
    assert.deepEqual(matchHeader(header, declaring(['area_code', 'c_2021_note_2', 'c_2022', 'c_2023_provisional_note_3', 'rate_x'])).names, ['area_code', 'c_2021_note_2', 'c_2022', 'c_2023_provisional_note_3', 'rate_x']);
  });

  test("a footnote's reference after a header (StatCan's `Employment (x 1,000) 4`, `(note 3)`, a superscript) is no part of the name; a unit's power and a year are", () => {
    const header = parseHeader('Geography,"Employment (x 1,000) 4","Unemployment rate (percent) 5 6",2022 (note 2),Population¹,Area m²,Accel m/s²,Population (thousands) 2021,Week 1');
    const names = columnNames(header);
    assert.deepEqual(names, ['geography', 'employment_x_1_000', 'unemployment_rate_percent', 'c_2022', 'population', 'area_m2', 'accel_m_s2', 'population_thousands_2021', 'week_1']);
    // The next release numbers its footnotes otherwise, or drops them: the same columns.
    assert.deepEqual(matchHeader(parseHeader('Geography,"Employment (x 1,000) 7","Unemployment rate (percent)",2022,Population²,Area m²,Accel m/s²,Population (thousands) 2021,Week 1'), declaring(names)).names, names);
    // A definition init wrote before, with the reference in its names, still loads the file that has them.
    const before = ['geography', 'employment_x_1_000_4', 'unemployment_rate_percent_5_6', 'c_2022_note_2', 'population1', 'area_m2', 'accel_m_s2', 'population_thousands_2021', 'week_1'];
    assert.deepEqual(matchHeader(header, declaring(before)).names, before);
    // Two fields one name but for their references keep them, as notes are kept.
    assert.deepEqual(columnNames(parseHeader('Sales (k) 1,Sales (k) 2')), ['sales_k_1', 'sales_k_2']);
  });

  test('headers told apart by a currency or percent sign get names of their own, so a later file ordering them otherwise keeps each value in its column', () => {
    const names = columnNames(parseHeader('store,Sales ($),Sales (€),Change,Change %,Price £,Prix ¥,Rate ‰'));
    assert.deepEqual(names, ['store', 'sales_dollar', 'sales_eur', 'change', 'change_pct', 'price_gbp', 'prix_yen', 'rate_permille']);
    assert.deepEqual(matchHeader(parseHeader('store,Change %,Sales (€),Change,Sales ($),Price £,Prix ¥,Rate ‰'), declaring(names)).names, [
      'store', 'change_pct', 'sales_eur', 'change', 'sales_dollar', 'price_gbp', 'prix_yen', 'rate_permille',
    ]);
    // A definition written before signs were spelled (`Change %` was `change`) still loads its file.
    assert.deepEqual(matchHeader(parseHeader('id,Change %,Margin (€)'), declaring(['id', 'change', 'margin'])).names, ['id', 'change', 'margin']);
  });

  test('headers told apart by a comparison or a plus (UCI\'s `<=50K` and `>50K`, the Census\' `85+`) get names of their own: a later file in another order keeps each value in its column', () => {
    const names = columnNames(parseHeader('Income <=50K,Income >50K,Age 85,Age 85+,Score ≥ 3,Score < 3'));
    assert.deepEqual(names, ['income_le_50_k', 'income_gt_50_k', 'age_85', 'age_85_plus', 'score_ge_3', 'score_lt_3']);
    assert.deepEqual(matchHeader(parseHeader('Age 85+,Income >50K,Score < 3,Income <=50K,Age 85,Score ≥ 3'), declaring(names)).names, ['age_85_plus', 'income_gt_50_k', 'score_lt_3', 'income_le_50_k', 'age_85', 'score_ge_3']);
    // A definition written before (`income_50_k`, `income_50_k_2`) still loads a file ordered as then.
    assert.deepEqual(matchHeader(parseHeader('id,Income <=50K,Income >50K'), declaring(['id', 'income_50_k', 'income_50_k_2'])).names, ['id', 'income_50_k', 'income_50_k_2']);
  });

  test('mixed spellings of a repeated name match the numbers init gives them', () => {
    for (const line of ['a,a_2,a', 'Dup,dup_2,DUP', 'a_2,a,a', 'x,x,x,x']) {
      const header = parseHeader(line);
      const names = columnNames(header);
      const match = matchHeader(header, declaring(names));
      assert.deepEqual([match.names, match.duplicated], [names, []], line);
    }
  });

  test('two headers one name but for case or punctuation (`Email`, `EMAIL`; `E-mail`, `email`) fill the columns whose `header` spells them, in any order', () => {
    for (const [first, later] of [['id,Email,EMAIL,name', 'id,EMAIL,name,Email'], ['E-mail,email', 'email,E-mail']] as const) {
      const names = columnNames(parseHeader(first));
      const spec = declaring(names);
      // As init writes them: each of the two with its header spelled exactly.
      const email = names.filter((n) => /^e_?mail/.test(n));
      assert.equal(email.length, 2, names.join());
      for (const [i, h] of parseHeader(first).entries()) if (email.includes(names[i]!)) spec.columns[names[i]!] = { ...spec.columns[names[i]!]!, header: h };
      const match = matchHeader(parseHeader(later), spec);
      assert.deepEqual(match.ambiguous, []);
      assert.equal(headerProblem('later.csv', parseHeader(later), match, spec), undefined);
      const byHeader = Object.fromEntries(parseHeader(later).map((h, i) => [h, match.names[i]]));
      for (const n of email) assert.equal(byHeader[spec.columns[n]!.header!], n, `${later}: ${n}`);
      // One of them alone in a later file fills its own column, not the first of the name.
      const alone = spec.columns[email[1]!]!.header!;
      assert.deepEqual(matchHeader([alone], spec).names, [email[1]]);
    }
  });

  test('without a header telling them apart, two spellings of one name are refused, in one line naming both and what to declare; one spelling twice is matched by its order', () => {
    const spec = declaring(['id', 'email', 'email_2']);
    const header = parseHeader('id,EMAIL,Email');
    const match = matchHeader(header, spec);
    assert.deepEqual(match.ambiguous, [{ headers: ['EMAIL', 'Email'], columns: ['email', 'email_2'] }]);
    const problem = headerProblem('contacts_2024-02.csv', header, match, spec)!;
    assert.equal(
      problem.message,
      'contacts_2024-02.csv: headers "EMAIL" and "Email" differ only by case, spaces or punctuation, and nothing says which fills email and which email_2 (by their order, another file\'s order would swap their values): give each of those columns in datasets/table.yml its exact header, header: "EMAIL" on one, header: "Email" on the other',
    );
    assert.doesNotMatch(problem.message, /\n/);
    // The same spelling twice says nothing more than its order: read so, as before.
    assert.deepEqual(matchHeader(parseHeader('id,email,email'), spec).ambiguous, []);
    // A header on one of the two is enough: the other is the one left.
    const one = { ...spec, columns: { ...spec.columns, email_2: { ...spec.columns['email_2']!, header: 'EMAIL' } } };
    const reordered = matchHeader(header, one);
    assert.deepEqual([reordered.names, reordered.ambiguous], [['id', 'email_2', 'email'], []]);
  });

  test('a repeated name not declared twice still stops the file; a field with no name not declared is shown as such', () => {
    const match = matchHeader(parseHeader('id,dup,dup,'), declaring(['id', 'dup']));
    assert.deepEqual(match.duplicated, ['dup']);
    assert.deepEqual(match.extra, ['column_4 (no name)']);
    assert.deepEqual(match.names, ['id', 'dup', 'dup', '_extra_4']);
  });

  test('names of no Latin letter follow their field, in whatever order a later file has them', () => {
    const names = columnNames(parseHeader('id,名前,都市'));
    assert.deepEqual(names, ['id', 'c_540d_524d', 'c_90fd_5e02']);
    assert.deepEqual(matchHeader(parseHeader('id,都市,名前'), declaring(names)).names, ['id', 'c_90fd_5e02', 'c_540d_524d']);
  });

  test('names written as declared, in another case or spelling, match as before', () => {
    const match = matchHeader(parseHeader('C 2019,ID,Extra'), declaring(['id', 'c_2019']));
    assert.deepEqual(match.names, ['c_2019', 'id', '_extra_3']);
    assert.deepEqual(match.extra, ['Extra']);
  });

  test('a header naming not one declared column (all optional) stops the file: its rows would all be read empty', () => {
    const spec = declaring(['date', 'store', 'amount']);
    // A data row taken for the header (skip_lines too large), or a title (skip_lines too small).
    for (const line of ['2024-04-07,Nice,9', 'Sales export, month 04']) {
      const header = parseHeader(line);
      const problem = headerProblem('orders_2024-04.csv', header, matchHeader(header, spec), spec);
      assert.match(problem?.message ?? '', /^orders_2024-04\.csv: no field of its header names a declared column \(the header has: .*\) \(is that line a row or a title\? the first line must name the columns\)$/, line);
    }
    const some = parseHeader('date,store,units');
    assert.equal(headerProblem('orders.csv', some, matchHeader(some, spec), spec), undefined, 'one declared column named: the others read as missing');
  });

  test('a row taken for the header (a file without one, as UCI\'s adult data) stops the file when it names under half the columns, beside numbers', () => {
    // A definition init wrote from a first file without a header: its names are that file's first row.
    const spec = declaring(columnNames(parseHeader('39, State-gov, 77516, Bachelors, 13, Never-married, White, Male, <=50K')));
    const header = parseHeader('50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, White, Female, >50K');
    const problem = headerProblem('adult_2.csv', header, matchHeader(header, spec), spec);
    assert.match(problem?.message ?? '', /^adult_2\.csv: its header names 3 of the 9 declared columns, beside numbers \(the header has: 50,Self-emp-not-inc,.*\) \(is that line a row or a title\? the first line must name the columns\)$/);
    assert.match(problem?.hint ?? '', /^a first line must name the columns: c_39,state_gov,c_77516,/);
    // A later export dropping most columns, with names only, reads them as missing, as before.
    const narrow = parseHeader('c_39,state_gov,country,notes');
    assert.equal(headerProblem('adult_3.csv', narrow, matchHeader(narrow, spec), spec), undefined);
  });

  test('header: false: the fields are the declared columns in order; a first line of another width, or of names, is refused', () => {
    const spec: DatasetSpec = { ...declaring(['column_1', 'column_2', 'column_3']), headerless: true, columns: { column_1: { type: 'text', required: false, personal: false }, column_2: { type: 'text', required: false, personal: false }, column_3: { type: 'integer', required: false, personal: false } } };
    const row = parseHeader('Paris, France, 1');
    assert.deepEqual(matchHeader(row, spec).names, ['column_1', 'column_2', 'column_3']);
    assert.equal(headerProblem('cities.data', row, matchHeader(row, spec), spec), undefined);
    const wide = parseHeader('Paris, France, Europe, 1');
    assert.match(headerProblem('cities_2.data', wide, matchHeader(wide, spec), spec)?.message ?? '', /^cities_2\.data: its first line has 4 fields where datasets\/table\.yml declares 3 columns, read in order \(header: false\)/);
    // Names where a column of numbers has its values: a header, not a row (the declared names are init's column_N).
    const names = parseHeader('city,country,code');
    assert.match(headerProblem('cities_3.data', names, matchHeader(names, spec), spec)?.message ?? '', /its first line names the columns \(city,country,code\), but datasets\/table\.yml says header: false/);
  });

  test('ligatures are spelled out: a later export spelling them in ASCII matches', () => {
    const header = parseHeader('Œuvre,Straße,Søren,Æther,Łódź,Surface m²,Nº client');
    const names = columnNames(header);
    assert.deepEqual(names, ['oeuvre', 'strasse', 'soren', 'aether', 'lodz', 'surface_m2', 'n_client']);
    assert.deepEqual(matchHeader(parseHeader('OEUVRE,Strasse,Soren,aether,Lodz,surface m2,N client'), declaring(names)).names, names);
    assert.deepEqual(matchHeader(header, declaring(names)).names, names);
  });

  test('a unit keeps its sign: m² and m, µg and g are two columns, matched by name in a later file of another order', () => {
    const names = columnNames(parseHeader('id,Area m²,Area m,Dose (µg),Dose (g)'));
    assert.deepEqual(names, ['id', 'area_m2', 'area_m', 'dose_ug', 'dose_g']);
    assert.deepEqual(matchHeader(parseHeader('id,Dose (g),Area m,Dose (µg),Area m²'), declaring(names)).names, ['id', 'dose_g', 'area_m', 'dose_ug', 'area_m2']);
  });

  test('names of another script with a sign that folds (№) keep their code points: a later file in another order matches by name', () => {
    const names = columnNames(parseHeader('№ заказа,№ клиента,Сумма'));
    assert.equal(new Set(names).size, 3);
    assert.ok(names.every((n) => n.startsWith('c_2116_') || n.startsWith('c_421_')), names.join());
    assert.deepEqual(matchHeader(parseHeader('№ клиента,№ заказа,Сумма'), declaring(names)).names, [names[1], names[0], names[2]]);
  });

  test('a definition written before ligatures and signs were spelled out (uvre, stra_e, c_df, change_2) still matches its files', () => {
    const legacy = declaring(['uvre', 'stra_e', 'c_df', 'n_client']);
    const match = matchHeader(parseHeader('Œuvre,Straße,ß,Nº client'), legacy);
    assert.deepEqual(match.names, ['uvre', 'stra_e', 'c_df', 'n_client']);
    assert.deepEqual([match.extra, match.missingOptional], [[], []]);
    // A column a field names as it is now is not taken again by another field's name of before.
    assert.deepEqual(matchHeader(parseHeader('strae,Straße'), declaring(['strae', 'strasse'])).names, ['strae', 'strasse']);
    assert.deepEqual(matchHeader(parseHeader('strae,Straße'), declaring(['strae'])).names, ['strae', '_extra_2']);
    // Names numbered by their order then: each field keeps the column its definition gave it.
    assert.deepEqual(matchHeader(parseHeader('Change %,Change'), declaring(['change', 'change_2'])).names, ['change', 'change_2']);
    assert.deepEqual(matchHeader(parseHeader('Straße,Strasse'), declaring(['stra_e', 'strasse'])).names, ['stra_e', 'strasse']);
    assert.deepEqual(matchHeader(parseHeader('Change,Change %'), declaring(['change', 'change_pct'])).names, ['change', 'change_pct']);
    // Names of both eras (an old `sales`, a `margin_pct` added since): each field keeps its column.
    assert.deepEqual(matchHeader(parseHeader('id,Sales ($),Margin %'), declaring(['id', 'sales', 'margin_pct'])).names, ['id', 'sales', 'margin_pct']);
    // The explorer masks a personal column by these keys: declared either way, `Straße` is masked.
    assert.deepEqual(headerKeys('Straße'), ['strasse', 'strae']);
    assert.deepEqual(headerKeys('E-mail'), ['email']);
  });
});
