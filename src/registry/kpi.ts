import { z } from 'zod';
import { UserError } from '../errors.js';
import { loadDefinitionFolder } from './load-folder.js';

/**
 * A KPI is one file in src/kpis/: its file name is its id (`ca_par_pays`), its gold object is
 * `gold/kpi_<id>.parquet`, its serving-store table `kpi_<id>`. Gold, publish, the CLI (and later the
 * API and the dashboard) are all driven from this declaration.
 */
const Label = z.object({ fr: z.string().min(1), en: z.string().min(1) });

export const COLUMN_TYPES = ['string', 'integer', 'number', 'date'] as const;
export type KpiColumnType = (typeof COLUMN_TYPES)[number];

const ColumnSchema = z.object({
  type: z.enum(COLUMN_TYPES),
  label: Label,
  description: z.string().min(1).optional(),
  unit: z.string().min(1).optional(),
});

export const KpiSchema = z
  .object({
    title: Label,
    description: z.string().min(1),
    /** SQL over the gold tables (fact_achats, dim_clients, dim_temps); its output must match `columns`. */
    sql: z.string().min(1),
    /** Output columns in order, with their types. */
    columns: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'column names are snake_case'), ColumnSchema).refine((c) => Object.keys(c).length > 0, 'at least one column'),
    /** How to chart it: the x column and the y columns. */
    chart: z.object({
      type: z.enum(['bar', 'line', 'pie', 'stat', 'table']),
      x: z.string().optional(),
      y: z.array(z.string()).default([]),
    }),
    /** Columns the API may filter on: a time column (from/to) and a country column. */
    filters: z.object({ time: z.string().optional(), pays: z.string().optional() }).default({}),
  })
  .superRefine((def, ctx) => {
    const cols = Object.keys(def.columns);
    const check = (name: string | undefined, path: (string | number)[]) => {
      if (name !== undefined && !cols.includes(name)) ctx.addIssue({ code: 'custom', path, message: `"${name}" is not one of the declared columns (${cols.join(', ')})` });
    };
    check(def.chart.x, ['chart', 'x']);
    def.chart.y.forEach((y, i) => check(y, ['chart', 'y', i]));
    check(def.filters.time, ['filters', 'time']);
    check(def.filters.pays, ['filters', 'pays']);
  });

export type KpiDefinition = z.input<typeof KpiSchema>;
export type Kpi = z.output<typeof KpiSchema> & {
  id: string;
  /** Name of the gold object (without .parquet) and of the serving-store table. */
  table: string;
};

export function defineKpi(def: KpiDefinition): KpiDefinition {
  return def;
}

let cached: Promise<Kpi[]> | undefined;

/** The KPI registry: every file of src/kpis/, validated. Loaded once per process. */
export function loadKpis(): Promise<Kpi[]> {
  cached ??= loadDefinitionFolder(new URL('../kpis/', import.meta.url), KpiSchema, 'KPI').then((defs) =>
    [...defs].map(([id, def]) => ({ ...def, id, table: `kpi_${id}` })),
  );
  return cached;
}

export async function getKpi(id: string): Promise<Kpi> {
  const kpis = await loadKpis();
  const kpi = kpis.find((k) => k.id === id || k.table === id);
  if (!kpi) throw new UserError(`unknown KPI "${id}"`, `known KPIs: ${kpis.map((k) => k.id).join(', ')}`);
  return kpi;
}

const DUCKDB_TYPES: Record<KpiColumnType, RegExp> = {
  string: /^VARCHAR$/,
  integer: /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/,
  number: /^(FLOAT|DOUBLE|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/,
  date: /^DATE$/,
};

/** Compares a KPI's declared columns with what its SQL returns; the message names the KPI and the column. */
export function checkKpiOutput(kpi: Kpi, actual: { name: string; type: string }[]): void {
  const declared = Object.entries(kpi.columns);
  const where = `KPI src/kpis/${kpi.id}`;
  const actualNames = actual.map((c) => c.name);
  const declaredNames = declared.map(([n]) => n);
  if (actualNames.join(',') !== declaredNames.join(',')) {
    throw new Error(`${where}: its SQL returns columns (${actualNames.join(', ')}) but it declares (${declaredNames.join(', ')})`);
  }
  declared.forEach(([name, col], i) => {
    const type = actual[i]!.type;
    if (!DUCKDB_TYPES[col.type].test(type)) throw new Error(`${where}: column "${name}" is declared ${col.type} but its SQL returns ${type}`);
  });
}
