import type { Kpi, KpiColumnType } from '../registry/kpi.js';

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

const DAY_OR_MONTH = '^\\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\\d|3[01]))?$';

/** Query parameters a KPI accepts; from/to and pays only where the KPI declares those filters. */
export function kpiQuerySchema(kpi: Kpi | undefined): object {
  const properties: Record<string, object> = {
    limit: { type: 'integer', minimum: 1, maximum: 100_000, description: 'at most this many rows' },
    offset: { type: 'integer', minimum: 0, maximum: 10_000_000, description: 'skip this many rows' },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json', description: 'json (default) or csv' },
  };
  if (!kpi || kpi.filters.time) {
    properties['from'] = { type: 'string', pattern: DAY_OR_MONTH, description: 'first day (YYYY-MM-DD) or month (YYYY-MM), included' };
    properties['to'] = { type: 'string', pattern: DAY_OR_MONTH, description: 'last day (YYYY-MM-DD) or month (YYYY-MM), included' };
  }
  if (!kpi || kpi.filters.pays) properties['pays'] = { type: 'string', minLength: 1, maxLength: 100, description: 'only this country' };
  return { type: 'object', properties, additionalProperties: false };
}
