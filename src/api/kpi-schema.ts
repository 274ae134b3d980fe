import type { Kpi, KpiColumnType } from '../project/types.js';

const JSON_TYPE: Record<KpiColumnType, object> = {
  string: { type: ['string', 'null'] },
  integer: { type: ['integer', 'null'] },
  number: { type: ['number', 'null'] },
  date: { type: ['string', 'null'], format: 'date' },
};

/** The JSON schema of a KPI's rows, derived from its declaration (validation, serialization, OpenAPI). */
export function kpiRowsSchema(kpi: Kpi): object {
  return {
    description: kpi.description,
    type: 'array',
    items: {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(kpi.columns).map(([name, c]) => [name, { ...JSON_TYPE[c.type], description: c.description ?? c.label.en }]),
      ),
      required: Object.keys(kpi.columns),
    },
  };
}

export const DAY_OR_MONTH = '^\\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\\d|3[01]))?$';
/** Bounds on a sortable text column (`2026-03`, `2026-W05`, `2026`). */
export const SORTABLE_TEXT = '^[0-9A-Za-z][0-9A-Za-z:._ -]{0,63}$';

/** Query parameters a KPI accepts: paging and format, `from`/`to` when it has a range, and its declared filters. */
export function kpiQuerySchema(kpi: Kpi | undefined, all: readonly Kpi[] = []): object {
  const properties: Record<string, object> = {
    limit: { type: 'integer', minimum: 1, maximum: 100_000, description: 'at most this many rows' },
    offset: { type: 'integer', minimum: 0, maximum: 10_000_000, description: 'skip this many rows' },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json', description: 'json (default) or csv' },
    version: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'read this version of the lake (see `datalake history`) instead of the published one' },
  };
  const ranged = kpi ? (kpi.range ? [kpi] : []) : all.filter((k) => k.range);
  if (ranged.length) {
    const dates = ranged.every((k) => k.columns[k.range!]!.type === 'date');
    const what = kpi ? `${kpi.range}` : 'the KPI\'s range column';
    const pattern = dates ? DAY_OR_MONTH : SORTABLE_TEXT;
    properties['from'] = { type: 'string', pattern, description: `first ${what} included${dates ? ' (a day YYYY-MM-DD or a month YYYY-MM)' : ''}` };
    properties['to'] = { type: 'string', pattern, description: `last ${what} included${dates ? ' (a day YYYY-MM-DD or a month YYYY-MM)' : ''}` };
  }
  for (const k of kpi ? [kpi] : all) {
    for (const [param, column] of Object.entries(k.filters)) {
      properties[param] ??= { type: 'string', minLength: 1, maxLength: 200, description: kpi ? `only rows whose ${column} is this value` : 'a filter of the KPI (see /api/kpis)' };
    }
  }
  return { type: 'object', properties, additionalProperties: false };
}

/** The query a KPI read without a query string has once validated: the schema's defaults (`format: json`). */
export function kpiQueryDefaults(): Record<string, string | number> {
  const { properties } = kpiQuerySchema(undefined) as { properties: Record<string, { default?: string | number }> };
  return Object.fromEntries(Object.entries(properties).flatMap(([name, p]) => (p.default === undefined ? [] : [[name, p.default]])));
}
