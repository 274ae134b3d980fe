import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { globsOverlap, validGlob } from './globs.js';
import { DatasetFile, KpiFile, ModelFile, NAME, ProjectFile, RuleFields, RULES } from './schema.js';
import { sqlNames } from './sql-names.js';
import type { Chart, ColumnSpec, DashboardTab, DatasetSpec, GoldModel, Kpi, KpiColumn, Label, ModelTest, Project, ReferenceSpec, RuleSpec } from './types.js';
import { closest, DefinitionFile } from './yaml-file.js';

/** Names a KPI may not take: they are routes of the API (`/api/<kpi>` would shadow them). */
export const RESERVED_KPI_IDS = ['runs', 'lake', 'quality', 'compare', 'kpis', 'freshness', 'project', 'versions', 'history', 'health', 'ready', 'docs', 'openapi', 'admin'];
/** Query parameters every KPI has (or will have): a filter may not take them. */
export const RESERVED_PARAMETERS = ['limit', 'offset', 'format', 'from', 'to', 'version'];
/** Folders of the lake's layers that a dataset name would collide with. */
export const RESERVED_DATASETS = ['quarantine', 'staging'];
/** The dashboard's own tabs. */
const RESERVED_TABS = ['accueil', 'qualite', 'explorateur', 'runs'];

/** Where a definition's SQL is, for errors that point at its line. */
export interface SqlOrigin {
  file: string;
  line: number;
}

/** A loaded project, and where each SQL text and KPI column came from (for `check`). */
export interface LoadedProject extends Project {
  sqlOrigins: Map<string, SqlOrigin>;
  /** `kpi:<id>` (its columns) or `kpi:<id>:<column>` → line in its file. */
  lines: Map<string, number>;
}

const yamlFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/i.test(f) && !f.startsWith('.'))
        .sort()
    : [];

const toLabel = (l: string | { fr: string; en: string }): Label => (typeof l === 'string' ? { fr: l, en: l } : l);
const asList = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);

/**
 * Loads and validates a project folder: datalake.yml, datasets/*.yml, models/*.sql (+ .yml),
 * kpis/*.yml. Every file is checked field by field, then what spans files (columns named by rules
 * and references, models read by models, KPIs shown by tabs, overlapping file globs). The first
 * problem fails with one line naming the file, the line and the field. SQL is compiled by `check`.
 */
export function loadProject(dir: string, options: { builtIn?: boolean } = {}): LoadedProject {
  const projectDir = path.resolve(dir);
  if (!existsSync(path.join(projectDir, 'datalake.yml'))) {
    throw new UserError(`${projectDir} is not a project folder: it has no datalake.yml`, 'create one with `npx datalake init <folder>` (or `init <folder> --from-csv <files>`)');
  }
  const file = (rel: string) => new DefinitionFile(projectDir, rel);
  const head = file('datalake.yml');
  const meta = head.parse(ProjectFile);

  const datasetFiles = yamlFiles(path.join(projectDir, 'datasets'));
  if (datasetFiles.length === 0) throw new UserError(`${projectDir}: no dataset declared`, 'add datasets/<name>.yml, one per kind of source file (see README "Use your own data")');
  const datasets = new Map<string, { spec: DatasetSpec; file: DefinitionFile }>();
  for (const f of datasetFiles) {
    const name = f.replace(/\.ya?ml$/i, '');
    const def = file(`datasets/${f}`);
    checkName(def, name, 'dataset');
    if (RESERVED_DATASETS.includes(name)) throw def.error([], `a dataset may not be called "${name}": the lake uses that folder`, 'rename the file');
    if (datasets.has(name)) throw def.error([], `dataset ${name} is declared twice (.yml and .yaml)`);
    datasets.set(name, { spec: toDataset(name, def), file: def });
  }
  checkAcrossDatasets(datasets);

  const sqlOrigins = new Map<string, SqlOrigin>();
  const models = loadModels(projectDir, datasets, sqlOrigins);

  const kpis: Kpi[] = [];
  const lines = new Map<string, number>();
  for (const f of yamlFiles(path.join(projectDir, 'kpis'))) {
    const id = f.replace(/\.ya?ml$/i, '');
    const def = file(`kpis/${f}`);
    checkName(def, id, 'KPI');
    if (RESERVED_KPI_IDS.includes(id)) throw def.error([], `a KPI may not be called "${id}": /api/${id} is a route of the API`, 'rename the file');
    const kpi = toKpi(id, def);
    kpis.push(kpi);
    sqlOrigins.set(`kpi:${id}`, { file: def.rel, line: def.blockStartLine(['sql']) });
    lines.set(`kpi:${id}`, def.lineAt(['columns']));
    for (const c of Object.keys(kpi.columns)) lines.set(`kpi:${id}:${c}`, def.lineAt(['columns', c]));
  }
  if (kpis.length === 0) throw new UserError(`${projectDir}: no KPI declared`, 'add kpis/<name>.yml with title, sql, columns and chart (see README "Use your own data")');

  const tabsDeclared = meta.dashboard !== undefined;
  const tabs: DashboardTab[] = tabsDeclared
    ? meta.dashboard!.tabs.map((t, i) => {
        const title = toLabel(t.title);
        const id = t.id ?? slug(title.en);
        for (const [j, k] of t.kpis.entries()) {
          if (!kpis.some((x) => x.id === k)) {
            const close = closest(k, kpis.map((x) => x.id));
            throw head.error(['dashboard', 'tabs', i, 'kpis', j], `no KPI "${k}"${close ? ` (did you mean "${close}"?)` : ''}`, `KPIs: ${kpis.map((x) => x.id).join(', ')}`);
          }
        }
        if (RESERVED_TABS.includes(id)) throw head.error(['dashboard', 'tabs', i], `the tab id "${id}" is taken by a built-in tab`, 'give the tab another id');
        return { id, title, kpis: t.kpis };
      })
    : kpis.map((k) => ({ id: k.id, title: k.title, kpis: [k.id] }));
  const tabIds = tabs.map((t) => t.id);
  const twice = tabIds.find((t, i) => tabIds.indexOf(t) !== i);
  if (twice) throw head.error(['dashboard', 'tabs'], `two tabs have the id "${twice}"`, 'give each tab its own id');

  const title = meta.title ? toLabel(meta.title) : { fr: meta.name, en: meta.name };
  return {
    dir: projectDir,
    builtIn: options.builtIn === true,
    name: meta.name,
    title,
    datasets: orderDatasets([...datasets.values()].map((d) => d.spec)),
    models,
    kpis,
    tabs,
    tabsDeclared,
    sqlOrigins,
    lines,
  };
}

function checkName(def: DefinitionFile, name: string, what: string): void {
  if (!NAME.test(name)) {
    throw new UserError(`${def.rel}: the file name must be snake_case (a-z, 0-9, _, starting with a letter): it becomes the ${what}'s name`, `rename it, e.g. ${def.rel.replace(/[^/]+$/, '')}${slug(name).replace(/-/g, '_') || 'my_name'}${path.extname(def.rel)}`);
  }
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function toDataset(name: string, def: DefinitionFile): DatasetSpec {
  const d = def.parse(DatasetFile);
  const key = asList(d.key);
  const columnNames = Object.keys(d.columns);
  const needColumn = (at: PropertyKey[], column: string, why: string) => {
    if (columnNames.includes(column)) return;
    const close = closest(column, columnNames);
    throw def.error(at, `"${column}" is not a declared column${close ? ` (did you mean "${close}"?)` : ''}`, `${why}; the columns are: ${columnNames.join(', ')}`);
  };
  key.forEach((k, i) => needColumn(Array.isArray(d.key) ? ['key', i] : ['key'], k, 'a key is made of declared columns'));
  if (d.partition_by) {
    needColumn(['partition_by', 'column'], d.partition_by.column, 'partitions follow a date or timestamp column');
    const type = d.columns[d.partition_by.column]!.type;
    if (type !== 'date' && type !== 'timestamp') throw def.error(['partition_by', 'column'], `${d.partition_by.column} is ${type}: partitions follow a date or timestamp column`);
  }
  const columns: Record<string, ColumnSpec> = {};
  for (const [c, raw] of Object.entries(d.columns)) {
    const col = raw as { type: ColumnSpec['type']; required?: boolean; description?: string; allowed?: string[]; personal?: boolean; format?: string | string[]; scale?: number };
    if (col.format !== undefined && col.type !== 'date' && col.type !== 'timestamp') throw def.error(['columns', c, 'format'], `format applies to date and timestamp columns; ${c} is ${col.type}`);
    if (col.scale !== undefined && col.type !== 'decimal') throw def.error(['columns', c, 'scale'], `scale applies to decimal columns; ${c} is ${col.type}`);
    if (col.allowed !== undefined && col.type !== 'text') throw def.error(['columns', c, 'allowed'], `allowed applies to text columns; ${c} is ${col.type}`);
    columns[c] = {
      type: col.type,
      required: col.required === true || key.includes(c) || d.partition_by?.column === c,
      personal: col.personal === true,
      ...(col.description ? { description: col.description } : {}),
      ...(col.allowed ? { allowed: col.allowed } : {}),
      ...(col.format !== undefined ? { format: asList(col.format) } : {}),
      ...(col.type === 'decimal' ? { scale: col.scale ?? 2 } : {}),
    };
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
    const bad = validGlob(g);
    if (bad) throw def.error(Array.isArray(d.files) ? ['files', i] : ['files'], `"${g}": ${bad}`);
  });
  return {
    name,
    ...(d.description ? { description: d.description } : {}),
    files,
    delimiter: d.delimiter ?? ',',
    key,
    columns,
    references,
    ...(d.partition_by ? { partitionBy: d.partition_by } : {}),
    rules,
    onExtraColumns: d.on_extra_columns ?? 'ignore',
    onMissingColumns: d.on_missing_columns ?? 'quarantine_file',
    nullValues: d.null_values ?? [],
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

function checkAcrossDatasets(datasets: Map<string, { spec: DatasetSpec; file: DefinitionFile }>): void {
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
          throw b.file.error(['files'], `its files "${gb}" and those of dataset ${a.spec.name} ("${ga}") can match the same file name`, `give one of them a narrower glob, e.g. files: "${b.spec.name}_*.csv"`);
        }
      }
    }
  }
  orderDatasets(all.map((d) => d.spec)); // fails on a cycle of references
}

/** Datasets after those they reference: a row can only be checked against its referenced rows once they are merged. */
function orderDatasets(specs: DatasetSpec[]): DatasetSpec[] {
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

function loadModels(projectDir: string, datasets: Map<string, { spec: DatasetSpec }>, sqlOrigins: Map<string, SqlOrigin>): GoldModel[] {
  const dir = path.join(projectDir, 'models');
  const entries = existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')).sort() : [];
  const sqlNamesInDir = entries.filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4));
  for (const f of entries.filter((e) => /\.ya?ml$/i.test(e))) {
    const n = f.replace(/\.ya?ml$/i, '');
    if (!sqlNamesInDir.includes(n)) throw new UserError(`models/${f} describes a model but models/${n}.sql does not exist`, `write the model's SELECT in models/${n}.sql, or remove models/${f}`);
  }
  const models: GoldModel[] = [];
  const known = new Set([...datasets.keys(), ...sqlNamesInDir]);
  for (const n of sqlNamesInDir) {
    const rel = `models/${n}.sql`;
    if (!NAME.test(n)) throw new UserError(`${rel}: the file name must be snake_case (a-z, 0-9, _, starting with a letter): it becomes the table's name`);
    if (datasets.has(n)) throw new UserError(`${rel}: a model may not have the name of dataset ${n}`, 'rename the model (e.g. dim_' + n + ' or fact_' + n + ')');
    if (n.startsWith('kpi_')) throw new UserError(`${rel}: model names may not start with kpi_ (KPI tables are named so)`, 'rename the model');
    const sql = readFileSync(path.join(dir, `${n}.sql`), 'utf8').trim().replace(/;\s*$/, '');
    if (!sql) throw new UserError(`${rel} is empty`, 'write one SELECT over the datasets and other models');
    const yml = ['yml', 'yaml'].map((e) => `models/${n}.${e}`).find((r) => existsSync(path.join(projectDir, r)));
    let meta: { description?: string; grain?: string; partitioned_by?: string; tests?: Record<string, unknown>[] } = {};
    if (yml) {
      const def = new DefinitionFile(projectDir, yml);
      meta = def.parse(ModelFile);
      if (meta.partitioned_by) {
        const ds = datasets.get(meta.partitioned_by);
        if (!ds) throw def.error(['partitioned_by'], `no dataset "${meta.partitioned_by}"`, `datasets: ${[...datasets.keys()].join(', ')}`);
        if (!ds.spec.partitionBy) throw def.error(['partitioned_by'], `dataset ${meta.partitioned_by} is not partitioned`, `declare partition_by in datasets/${meta.partitioned_by}.yml, or remove partitioned_by`);
      }
    }
    const reads = sqlNames(sql).filter((x) => known.has(x) && x !== n);
    models.push({
      name: n,
      sql,
      ...(meta.description ? { description: meta.description } : {}),
      ...(meta.grain ? { grain: meta.grain } : {}),
      ...(meta.partitioned_by ? { partitionedBy: meta.partitioned_by } : {}),
      tests: (meta.tests ?? []).map(toModelTest),
      reads,
    });
    sqlOrigins.set(`model:${n}`, { file: rel, line: 1 });
  }
  // Models after the models they read.
  const ordered: GoldModel[] = [];
  const visiting = new Set<string>();
  const visit = (m: GoldModel, chain: string[]) => {
    if (ordered.includes(m)) return;
    if (visiting.has(m.name)) throw new UserError(`models read each other in a cycle: ${[...chain, m.name].join(' → ')}`, 'one of them must stop reading the other');
    visiting.add(m.name);
    for (const r of m.reads) {
      const dep = models.find((x) => x.name === r);
      if (dep) visit(dep, [...chain, m.name]);
    }
    visiting.delete(m.name);
    ordered.push(m);
  };
  for (const m of models) visit(m, []);
  return ordered;
}

function toModelTest(t: Record<string, unknown>): ModelTest {
  if ('unique' in t) return { test: 'unique', column: t['unique'] as string };
  if ('not_null' in t) return { test: 'not_null', column: t['not_null'] as string };
  if ('accepted_values' in t) {
    const a = t['accepted_values'] as { column: string; values: string[] };
    return { test: 'accepted_values', column: a.column, values: a.values };
  }
  return { test: 'row_count_change', maxPct: (t['row_count_change'] as { max_pct: number }).max_pct };
}

function toKpi(id: string, def: DefinitionFile): Kpi {
  const k = def.parse(KpiFile);
  const columns: Record<string, KpiColumn> = {};
  for (const [c, raw] of Object.entries(k.columns)) {
    const col = raw as { type: KpiColumn['type']; label?: string | Label; description?: string; unit?: string };
    columns[c] = { type: col.type, label: col.label ? toLabel(col.label) : { fr: c, en: c }, ...(col.description ? { description: col.description } : {}), ...(col.unit ? { unit: col.unit } : {}) };
  }
  const names = Object.keys(columns);
  const needColumn = (at: PropertyKey[], c: string | undefined) => {
    if (c === undefined || names.includes(c)) return;
    const close = closest(c, names);
    throw def.error(at, `"${c}" is not one of the declared columns (${names.join(', ')})${close ? `; did you mean "${close}"?` : ''}`);
  };
  const numeric = names.filter((c) => columns[c]!.type === 'integer' || columns[c]!.type === 'number');
  const chartsIn = k.chart === undefined ? [{ type: 'table' as const }] : Array.isArray(k.chart) ? k.chart : [k.chart];
  const charts: Chart[] = chartsIn.map((ch, i) => {
    const at = Array.isArray(k.chart) ? ['chart', i] : ['chart'];
    needColumn([...at, 'x'], ch.x);
    const y = asList(ch.y);
    y.forEach((c, j) => needColumn(Array.isArray(ch.y) ? [...at, 'y', j] : [...at, 'y'], c));
    const axes = ['bar', 'line', 'pie', 'histogram'].includes(ch.type);
    if (axes && !ch.x) throw def.error(at, `a ${ch.type} chart needs x: the column of its categories`, `add x: <one of ${names.join(', ')}>`);
    const chosen = y.length || !axes ? y : numeric.filter((c) => c !== ch.x);
    if (axes && chosen.length === 0) throw def.error(at, `a ${ch.type} chart needs y: the column(s) of its values`, 'add y: [<a number column>]');
    return { type: ch.type, ...(ch.x ? { x: ch.x } : {}), y: chosen };
  });
  const filters = k.filters ?? {};
  for (const [param, column] of Object.entries(filters)) {
    if (RESERVED_PARAMETERS.includes(param)) throw def.error(['filters'], `the query parameter "${param}" is reserved`, `reserved: ${RESERVED_PARAMETERS.join(', ')}; use range: <column> for from/to`, param);
    needColumn(['filters', param], column);
  }
  if (k.range !== undefined) {
    needColumn(['range'], k.range);
    const type = columns[k.range]!.type;
    if (type !== 'date' && type !== 'string') throw def.error(['range'], `range needs a date or sortable text column; ${k.range} is ${type}`);
  }
  const title = toLabel(k.title);
  return { id, table: `kpi_${id}`, title, description: k.description ?? title.en, sql: k.sql.trim().replace(/;\s*$/, ''), columns, charts, filters, ...(k.range ? { range: k.range } : {}) };
}
