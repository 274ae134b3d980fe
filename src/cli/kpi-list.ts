import Table from 'cli-table3';
import type { Kpi } from '../project/types.js';

/** `datalake kpis`: the project's KPIs from their declarations (no lake, no DuckDB). */
export function renderKpiList(kpis: readonly Kpi[]): string {
  const table = new Table({ head: ['id', 'title', 'columns', 'chart', 'gold table'], style: { head: [], border: [] }, wordWrap: true });
  for (const k of kpis) {
    table.push([k.id, k.title.en === k.title.fr ? k.title.en : `${k.title.fr} / ${k.title.en}`, Object.entries(k.columns).map(([n, c]) => `${n}:${c.type}`).join(', '), k.charts.map((c) => c.type).join(', '), `gold/${k.table}/`]);
  }
  return table.toString();
}
