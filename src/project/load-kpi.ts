import { KpiFile } from './schema.js';
import type { Chart, Kpi, KpiColumn, Label } from './types.js';
import { asList, closest, toLabel, type DefinitionFile } from './yaml-file.js';

/** Names a KPI may not take: they are routes of the API (`/api/<kpi>` would shadow them). */
const API_ROUTES = ['runs', 'lake', 'quality', 'compare', 'kpis', 'freshness', 'project', 'versions'];
/** Routes of the server outside /api: a KPI named after one would read as that route. */
const SERVER_ROUTES: Record<string, string> = { health: '/health', ready: '/ready', docs: '/docs', openapi: '/openapi.json', admin: '/admin/queues' };
export const RESERVED_KPI_IDS = [...API_ROUTES, 'history', ...Object.keys(SERVER_ROUTES)];

/** Why a KPI may not take a reserved name, truly: the route it would shadow or be taken for. */
export function reservedKpiReason(id: string): string {
  if (API_ROUTES.includes(id)) return `/api/${id} is a route of the API`;
  const route = SERVER_ROUTES[id];
  if (route) return `${route} is a route of the server, and /api/${id} would read as it`;
  return 'the name is kept for a route of the API';
}
/** Query parameters every KPI has (or will have): a filter may not take them. */
export const RESERVED_PARAMETERS = ['limit', 'offset', 'format', 'from', 'to', 'version'];

/** A KPI's file (kpis/<id>.yml) validated and filled in: labels, charts (with their axes), filters, range. */
export function toKpi(id: string, def: DefinitionFile): Kpi {
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
  // Without a declared range, a KPI with a date column takes its first one: a time series gets from/to.
  const range = k.range ?? names.find((c) => columns[c]!.type === 'date');
  return { id, table: `kpi_${id}`, title, description: k.description ?? title.en, sql: k.sql.trim().replace(/;\s*$/, ''), columns, charts, filters, ...(range ? { range } : {}) };
}
