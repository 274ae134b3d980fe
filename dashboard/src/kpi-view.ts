import type { ChartMeta, KpiMeta, Row } from './api';
import type { App } from './app';
import { chart, type ChartOption } from './charts';
import { card, h, section, table } from './dom';

/**
 * A KPI drawn from its declaration: each of its charts (bar, line, pie, histogram), its cards or its
 * table. Nothing here knows a KPI by name: titles, labels, units and axes come from /api/kpis.
 */
export function kpiCharts(app: App, kpi: KpiMeta, rows: Row[]): HTMLElement[] {
  const drawn = kpi.charts.filter((c) => c.type !== 'table' && c.type !== 'cards');
  return drawn.map((c, i) => chart(chartOption(app, kpi, c, rows), i === 0 ? `chart-${kpi.id}` : `chart-${kpi.id}-${i + 1}`));
}

/** The cards of a one-row KPI: one per column, labelled and formatted from its declaration. */
export function kpiCards(app: App, kpi: KpiMeta, rows: Row[]): HTMLElement {
  const first = rows[0] ?? {};
  return h('div', { class: 'cards', 'data-testid': `cards-${kpi.id}` }, ...kpi.columns.map((c) => card(app.l(c.label), app.format(c, first[c.name]), `card-${c.name}`)));
}

export function kpiTable(app: App, kpi: KpiMeta, rows: Row[]): HTMLElement {
  const { headers, cells, numeric } = app.kpiTableRows(kpi, rows);
  return table(headers, cells, { 'data-testid': `table-${kpi.id}` }, numeric);
}

/** Everything a KPI shows, in panels: its charts side by side, then its table (or its cards alone). */
export function kpiPanels(app: App, kpi: KpiMeta, rows: Row[]): HTMLElement {
  const onlyCards = kpi.charts.every((c) => c.type === 'cards');
  if (onlyCards) return h('div', { 'data-testid': `kpi-${kpi.id}` }, kpiCards(app, kpi, rows));
  const charts = kpiCharts(app, kpi, rows);
  const cards = kpi.charts.some((c) => c.type === 'cards') ? kpiCards(app, kpi, rows) : null;
  return h(
    'div',
    { 'data-testid': `kpi-${kpi.id}` },
    cards,
    charts.length > 1 ? h('div', { class: 'grid-2' }, ...charts.map((c, i) => section(chartTitle(app, kpi, i), c))) : charts.length === 1 ? section(app.l(kpi.title), charts[0]!) : null,
    section(`${app.l(kpi.title)} — ${rows.length} ${app.t('rows')}`, h('p', { class: 'muted' }, kpi.description), kpiTable(app, kpi, rows)),
  );
}

/** A chart's panel title: the KPI's, then for its other charts what they show (`CA total — pie`). */
function chartTitle(app: App, kpi: KpiMeta, index: number): string {
  if (index === 0) return app.l(kpi.title);
  const c = kpi.charts.filter((x) => x.type !== 'table' && x.type !== 'cards')[index]!;
  return `${app.l(kpi.title)} — ${c.y.map((y) => app.l(app.column(kpi, y).label)).join(', ')}`;
}

function chartOption(app: App, kpi: KpiMeta, c: ChartMeta, rows: Row[]): ChartOption {
  const x = c.x!;
  const label = (name: string) => app.l(app.column(kpi, name).label);
  const values = (name: string) => rows.map((r) => (r[name] === null || r[name] === undefined ? null : Number(r[name])));
  const categories = rows.map((r) => String(r[x] ?? '—'));
  if (c.type === 'pie') {
    return {
      tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['35%', '70%'], name: label(c.y[0]!), data: rows.map((r) => ({ name: String(r[x] ?? '—'), value: Number(r[c.y[0]!]) })) }],
    };
  }
  // The series of the first series' unit go on the left axis; another unit gets its own axis, as a line.
  const unitOf = (name: string) => app.column(kpi, name).unit ?? (app.column(kpi, name).type === 'integer' ? '#' : '');
  const firstUnit = unitOf(c.y[0]!);
  const twoAxes = c.y.some((y) => unitOf(y) !== firstUnit);
  const axisName = (unit: string, name: string) => (unit && unit !== '#' ? unit.replace('EUR', '€') : label(name));
  const secondY = c.y.find((y) => unitOf(y) !== firstUnit);
  // Every label while they fit (turned when many); past 60 points a zoom slider, and ECharts thins them.
  const zoom = rows.length > 60;
  const axisLabel = zoom ? {} : { interval: 0, rotate: categories.length > 8 ? 30 : 0 };
  return {
    ...(c.y.length > 1 ? { legend: {} } : {}),
    tooltip: { trigger: 'axis' },
    grid: { left: 64, right: 64, top: 48, bottom: zoom ? 80 : categories.length > 8 ? 72 : 48 },
    xAxis: { type: 'category', data: categories, ...(c.type === 'histogram' ? { name: label(x) } : {}), axisLabel },
    yAxis: [
      { type: 'value', name: axisName(firstUnit, c.y[0]!) },
      ...(twoAxes && secondY ? [{ type: 'value', name: axisName(unitOf(secondY), secondY), splitLine: { show: false } }] : []),
    ],
    dataZoom: zoom ? [{ type: 'inside' }, { type: 'slider' }] : [],
    series: c.y.map((y) => {
      const second = unitOf(y) !== firstUnit;
      const type = c.type === 'line' || second ? 'line' : 'bar';
      return {
        name: label(y),
        type,
        yAxisIndex: second ? 1 : 0,
        showSymbol: rows.length <= 60,
        ...(c.type === 'histogram' ? { barCategoryGap: '5%' } : {}),
        data: values(y),
      };
    }),
  };
}
