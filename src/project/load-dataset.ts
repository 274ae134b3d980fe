import { UserError } from '../errors.js';
import { isSourceFileName, SOURCE_EXTENSIONS_SAID } from '../lake/keys.js';
import { globsOverlap, validGlob } from './globs.js';
import { durationSeconds } from '../duration.js';
import { ENCODING_NAMES } from '../pipeline/csv-encoding.js';
import { epochOf } from '../pipeline/epoch.js';
import { DatasetFile, RuleFields, RULES } from './schema.js';
import type { ColumnSpec, DatasetSpec, ReferenceSpec, RuleSpec } from './types.js';
import { asList, closest, type DefinitionFile } from './yaml-file.js';

/** Folders of the lake's layers that a dataset name would collide with. */
export const RESERVED_DATASETS = ['quarantine', 'staging'];

/** A dataset's file (datasets/<name>.yml) validated and filled in: columns, key, references, rules, policies. */
export function toDataset(name: string, def: DefinitionFile): DatasetSpec {
  const d = def.parse(DatasetFile);
  const key = asList(d.key);
  const columnNames = Object.keys(d.columns);
  const needColumn = (at: PropertyKey[], column: string, why: string) => {
    if (columnNames.includes(column)) return;
    const close = closest(column, columnNames);
    throw def.error(at, `"${column}" is not a declared column${close ? ` (did you mean "${close}"?)` : ''}`, `${why}; the columns are: ${columnNames.join(', ')}`);
  };
  key.forEach((k, i) => needColumn(Array.isArray(d.key) ? ['key', i] : ['key'], k, 'a key is made of declared columns'));
  if (d.duplicates === 'keep' && key.length) throw def.error(['duplicates'], `duplicates: keep is for a dataset without a key: with key ${key.join(', ')}, a row repeating another's key is not a row of its own`, 'remove duplicates: keep, or the key');
  if (d.partition_by) {
    needColumn(['partition_by', 'column'], d.partition_by.column, 'partitions follow a date or timestamp column');
    const type = d.columns[d.partition_by.column]!.type;
    if (type !== 'date' && type !== 'timestamp') throw def.error(['partition_by', 'column'], `${d.partition_by.column} is ${type}: partitions follow a date or timestamp column`);
  }
  if (d.header_rows === 2 && d.header === false) throw def.error(['header_rows'], 'a dataset with header: false has no header lines', 'remove header_rows, or header: false');
  const totalRow = typeof d.total_row === 'string' ? { column: d.total_row } : d.total_row;
  if (totalRow) needColumn(typeof d.total_row === 'string' ? ['total_row'] : ['total_row', 'column'], totalRow.column, 'a total is told by the label it has in a declared column');
  const columns: Record<string, ColumnSpec> = {};
  for (const [c, raw] of Object.entries(d.columns)) {
    const col = raw as { type: ColumnSpec['type']; required?: boolean; description?: string; allowed?: string[]; personal?: boolean; format?: string | string[]; scale?: number; null_values?: string[]; unit?: string; also?: string[]; header?: string; excel_text?: boolean; magnitudes?: boolean; flags?: boolean };
    if (col.format !== undefined && col.type !== 'date' && col.type !== 'timestamp') throw def.error(['columns', c, 'format'], `format applies to date and timestamp columns; ${c} is ${col.type}`);
    const epoch = epochOf(asList(col.format));
    if (epoch && col.type !== 'timestamp') throw def.error(['columns', c, 'format'], `${epoch} reads instants: it applies to timestamp columns; ${c} is ${col.type}`, `declare ${c}: { type: timestamp, format: ${epoch} }`);
    if (col.scale !== undefined && col.type !== 'decimal') throw def.error(['columns', c, 'scale'], `scale applies to decimal columns; ${c} is ${col.type}`);
    if (col.unit !== undefined && col.type !== 'integer' && col.type !== 'number' && col.type !== 'decimal') throw def.error(['columns', c, 'unit'], `unit applies to integer, number and decimal columns; ${c} is ${col.type}`);
    if (col.magnitudes && col.type !== 'number') throw def.error(['columns', c, 'magnitudes'], `magnitudes applies to number columns (52.34K is 52340, 1.5K 1500); ${c} is ${col.type}`, `declare ${c}: { type: number, magnitudes: true }`);
    if (col.flags && col.type !== 'integer' && col.type !== 'number' && col.type !== 'decimal') throw def.error(['columns', c, 'flags'], `flags apply to integer, number and decimal columns; ${c} is ${col.type}`);
    if (col.allowed !== undefined && col.type !== 'text') throw def.error(['columns', c, 'allowed'], `allowed applies to text columns; ${c} is ${col.type}`);
    columns[c] = {
      type: col.type,
      required: col.required === true || key.includes(c) || d.partition_by?.column === c,
      personal: col.personal === true,
      ...(col.description ? { description: col.description } : {}),
      ...(col.allowed ? { allowed: col.allowed } : {}),
      ...(col.format !== undefined ? { format: asList(col.format) } : {}),
      ...(col.type === 'decimal' ? { scale: col.scale ?? 2 } : {}),
      ...(col.null_values ? { nullValues: col.null_values } : {}),
      ...(col.unit !== undefined ? { unit: col.unit } : {}),
      ...(col.also ? { also: col.also } : {}),
      ...(col.header !== undefined ? { header: col.header } : {}),
      ...(col.excel_text ? { excelText: true as const } : {}),
      ...(col.magnitudes ? { magnitudes: true as const } : {}),
      ...(col.flags ? { flags: true as const } : {}),
    };
  }
  // One spelling matched exactly to two columns would leave the second's values to chance.
  const spelledBy = new Map<string, string>();
  for (const [c, col] of Object.entries(columns)) {
    if (col.header === undefined) continue;
    if (d.header === false) throw def.error(['columns', c, 'header'], 'a dataset with header: false has no header to match', 'remove it: the columns are read in their order');
    const other = spelledBy.get(col.header.normalize('NFC'));
    if (other) throw def.error(['columns', c, 'header'], `${other} has header ${JSON.stringify(col.header)} too`, 'give each column the header it has in the files, spelled exactly');
    spelledBy.set(col.header.normalize('NFC'), c);
  }
  const rules: RuleSpec[] = (d.rules ?? []).map((item, i) => toRule(def, item, i, columns));
  // An allowed list without its own rule rejects other values (quarantine); a rule may say otherwise.
  for (const [c, col] of Object.entries(columns)) {
    if (col.allowed && !rules.some((r) => r.rule === 'allowed_values' && r.column === c)) rules.push({ rule: 'allowed_values', column: c, severity: 'error' });
  }
  const references: ReferenceSpec[] = (d.references ?? []).map((r, i) => {
    needColumn(['references', i, 'column'], r.column, 'a reference is checked on a declared column');
    return { column: r.column, dataset: r.dataset, key: r.key ?? '', severity: r.severity };
  });
  const files = asList(d.files ?? `${name}*.csv`);
  files.forEach((g, i) => {
    // A glob of an extension bronze never reads (`stops*.gz`) would match nothing, and say nothing.
    const extension = /\.([A-Za-z0-9]+)$/.exec(g)?.[1];
    const bad = validGlob(g) ?? (extension && !isSourceFileName(`x.${extension}`) ? `bronze reads ${SOURCE_EXTENSIONS_SAID} files, not .${extension}` : undefined);
    if (bad) throw def.error(Array.isArray(d.files) ? ['files', i] : ['files'], `"${g}": ${bad}`);
  });
  let freshness: DatasetSpec['freshness'];
  if (d.freshness) {
    const warnAfter = d.freshness.warn_after === undefined ? undefined : durationSeconds(d.freshness.warn_after);
    const errorAfter = d.freshness.error_after === undefined ? undefined : durationSeconds(d.freshness.error_after);
    if (warnAfter !== undefined && errorAfter !== undefined && warnAfter >= errorAfter) {
      throw def.error(['freshness', 'warn_after'], `warn_after (${d.freshness.warn_after}) must be shorter than error_after (${d.freshness.error_after})`, 'a dataset is stale (warn) before it is late (error), e.g. { warn_after: 26h, error_after: 50h }');
    }
    freshness = { ...(warnAfter !== undefined ? { warnAfter } : {}), ...(errorAfter !== undefined ? { errorAfter } : {}) };
  }
  return {
    name,
    ...(d.description ? { description: d.description } : {}),
    files,
    delimiter: d.delimiter ?? ',',
    // The questions' line of a header of two lines is counted as a line before the header: the records follow the labels' line.
    ...(d.skip_lines || d.header_rows === 2 ? { skipLines: (d.skip_lines ?? 0) + (d.header_rows === 2 ? 1 : 0) } : {}),
    ...(d.header_rows === 2 ? { headerRows: 2 as const } : {}),
    ...(d.header === false ? { headerless: true as const } : {}),
    // Declared: "," reads 1.234,56; "." makes the comma a thousands separator only (1,234 is 1234). Left out: either, where unambiguous.
    ...(d.decimal_separator ? { decimalSeparator: d.decimal_separator } : {}),
    ...(d.escape === 'backslash' && d.quote !== 'none' ? { escape: '\\' as const } : {}),
    ...(d.quote === 'none' ? { quote: 'none' as const } : {}),
    // Unquoted values whose tabs and line breaks are escaped (PostgreSQL's text format): decoded as text.
    ...(d.escape === 'backslash' && d.quote === 'none' ? { backslashEscapes: true as const } : {}),
    ...(d.encoding && ENCODING_NAMES[d.encoding] === 'windows-1252' ? { encoding: 'windows-1252' as const } : {}),
    key,
    columns,
    references,
    ...(d.partition_by ? { partitionBy: d.partition_by } : {}),
    rules,
    ...(totalRow ? { totalRow: { column: totalRow.column, ...(totalRow.labels ? { labels: totalRow.labels } : {}) } } : {}),
    ...(d.duplicates === 'keep' ? { keepDuplicates: true as const } : {}),
    onExtraColumns: d.on_extra_columns ?? 'ignore',
    onMissingColumns: d.on_missing_columns ?? 'quarantine_file',
    nullValues: d.null_values ?? [],
    ...(freshness ? { freshness } : {}),
  };
}

function toRule(def: DefinitionFile, item: unknown, i: number, columns: Record<string, ColumnSpec>): RuleSpec {
  const at = ['rules', i];
  const rule = (item as { rule?: unknown } | null)?.rule;
  if (typeof rule !== 'string' || !(RULES as readonly string[]).includes(rule)) {
    const close = typeof rule === 'string' ? closest(rule, RULES) : undefined;
    throw def.error(rule === undefined ? at : [...at, 'rule'], rule === undefined ? 'a rule needs "rule: <name>"' : `unknown rule "${String(rule)}"${close ? ` (did you mean "${close}"?)` : ''}`, `rules: ${RULES.join(', ')}`);
  }
  const r = def.parse(RuleFields[rule as (typeof RULES)[number]], item, at) as Record<string, unknown> & { rule: RuleSpec['rule']; severity: RuleSpec['severity'] };
  if (!('column' in r)) return { rule: r.rule, severity: r.severity } as RuleSpec;
  const column = r['column'] as string;
  const col = columns[column];
  if (!col) {
    const close = closest(column, Object.keys(columns));
    throw def.error([...at, 'column'], `"${column}" is not a declared column${close ? ` (did you mean "${close}"?)` : ''}`, `the columns are: ${Object.keys(columns).join(', ')}`);
  }
  const numeric = ['integer', 'number', 'decimal'].includes(col.type);
  const needs = (ok: boolean, what: string) => {
    if (!ok) throw def.error([...at, 'column'], `rule ${r.rule} applies to ${what} columns; ${column} is ${col.type}`);
  };
  switch (r.rule) {
    case 'positive':
      needs(numeric, 'integer, number or decimal');
      return { rule: 'positive', column, severity: r.severity };
    case 'maximum':
      needs(numeric, 'integer, number or decimal');
      return { rule: 'maximum', column, max: r['max'] as number, severity: r.severity, ...(r['setting'] ? { setting: r['setting'] as string } : {}) };
    case 'allowed_values': {
      needs(col.type === 'text', 'text');
      const values = r['values'] as string[] | undefined;
      if (!values && !col.allowed) throw def.error(at, `rule allowed_values on ${column} needs values: [...], or allowed: [...] on the column`);
      return { rule: 'allowed_values', column, severity: r.severity, ...(values ? { values } : {}) };
    }
    default:
      needs(col.type === 'date' || col.type === 'timestamp', 'date or timestamp');
      return { rule: 'date_range', column, severity: r.severity, notInFuture: r['not_in_future'] as boolean, ...(r['not_before'] ? { notBefore: r['not_before'] as string } : {}) };
  }
}

export function checkAcrossDatasets(datasets: Map<string, { spec: DatasetSpec; file: DefinitionFile }>): void {
  const names = [...datasets.keys()];
  for (const { spec, file } of datasets.values()) {
    spec.references.forEach((r, i) => {
      const target = datasets.get(r.dataset)?.spec;
      if (!target) {
        const close = closest(r.dataset, names);
        throw file.error(['references', i, 'dataset'], `no dataset "${r.dataset}"${close ? ` (did you mean "${close}"?)` : ''}`, `datasets: ${names.join(', ')}`);
      }
      if (r.dataset === spec.name) throw file.error(['references', i, 'dataset'], 'a dataset may not reference itself');
      if (!r.key) {
        if (target.key.length !== 1) throw file.error(['references', i], `${r.dataset} has ${target.key.length ? 'a composite key' : 'no key'}: say which of its columns ${r.column} matches`, 'add key: <column of ' + r.dataset + '>');
        (r as { key: string }).key = target.key[0]!;
      }
      const targetCol = target.columns[r.key];
      if (!targetCol) throw file.error(['references', i, 'key'], `"${r.key}" is not a column of ${r.dataset}`, `its columns are: ${Object.keys(target.columns).join(', ')}`);
      const type = spec.columns[r.column]!.type;
      if (targetCol.type !== type) throw file.error(['references', i], `${spec.name}.${r.column} is ${type} but ${r.dataset}.${r.key} is ${targetCol.type}: they cannot match`, 'declare both with the same type');
    });
  }
  const all = [...datasets.values()];
  for (const [i, a] of all.entries()) {
    for (const b of all.slice(i + 1)) {
      for (const ga of a.spec.files) {
        const gb = b.spec.files.find((g) => globsOverlap(ga, g));
        if (gb) {
          throw b.file.error(['files'], `its files "${gb}" and those of dataset ${a.spec.name} ("${ga}") can match the same file name`, `give one of them a narrower glob, e.g. files: "${b.spec.name}_*${/\.[A-Za-z0-9]+$/.exec(gb)?.[0] ?? '.csv'}"`);
        }
      }
    }
  }
  orderDatasets(all.map((d) => d.spec)); // fails on a cycle of references
}

/** Datasets after those they reference: a row can only be checked against its referenced rows once they are merged. */
export function orderDatasets(specs: DatasetSpec[]): DatasetSpec[] {
  const ordered: DatasetSpec[] = [];
  const visiting = new Set<string>();
  const visit = (s: DatasetSpec, chain: string[]) => {
    if (ordered.includes(s)) return;
    if (visiting.has(s.name)) throw new UserError(`datasets reference each other in a cycle: ${[...chain, s.name].join(' → ')}`, 'one of these references must go');
    visiting.add(s.name);
    for (const r of s.references) visit(specs.find((x) => x.name === r.dataset)!, [...chain, s.name]);
    visiting.delete(s.name);
    ordered.push(s);
  };
  for (const s of [...specs].sort((a, b) => a.name.localeCompare(b.name))) visit(s, []);
  return ordered;
}
