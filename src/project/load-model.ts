import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { SqlOrigin } from './load.js';
import { ModelFile, NAME } from './schema.js';
import { sqlNames } from './sql-names.js';
import type { DatasetSpec, GoldModel, ModelTest } from './types.js';
import { DefinitionFile, readDefinitionText } from './yaml-file.js';

/** The models of models/: each SELECT (.sql) with its optional description (.yml), in the order they read each other. */
export function loadModels(projectDir: string, datasets: Map<string, { spec: DatasetSpec }>, sqlOrigins: Map<string, SqlOrigin>): GoldModel[] {
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
    const sql = readDefinitionText(projectDir, rel).trim().replace(/;\s*$/, '');
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
