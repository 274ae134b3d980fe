import { kpiRows, type KpiMeta, type Label, type Row } from '../api';
import { interactive, type App, type Tab } from '../app';
import { h } from '../dom';
import { kpiPanels } from '../kpi-view';

interface TabState {
  /** With several time KPIs: the one shown (the grain). */
  grain?: string;
  from: string;
  to: string;
  /** Filter parameter → value. */
  filters: Record<string, string>;
}

const states = new Map<string, TabState>();

/**
 * A tab of the project (datalake.yml's `dashboard.tabs`, or one per KPI): each KPI drawn from its
 * declaration. A tab of several time KPIs (each with a `range`) is one view with a grain switch; a
 * date range shows when the KPI has a range, a choice of values for each declared filter.
 */
export function kpiTab(spec: { id: string; title: Label; kpis: string[] }): Tab {
  return {
    id: spec.id,
    title: (app) => app.l(spec.title),
    render: (app) => interactive(app, (a, redraw) => view(a, spec, redraw)),
  };
}

async function view(app: App, spec: { id: string; kpis: string[] }, redraw: () => void): Promise<HTMLElement> {
  const kpis = spec.kpis.map((id) => app.kpi(id));
  const state = states.get(spec.id) ?? { from: '', to: '', filters: {} };
  states.set(spec.id, state);
  const grains = kpis.length > 1 && kpis.every((k) => k.range) ? kpis : undefined;
  const shown = grains ? [grains.find((k) => k.id === state.grain) ?? grains[0]!] : kpis;

  const parts: HTMLElement[] = [];
  const toolbar = h('div', { class: 'toolbar' });
  if (grains) {
    toolbar.append(
      h(
        'div',
        { class: 'segmented', role: 'group' },
        ...grains.map((k) =>
          h('button', { class: k === shown[0] ? 'active' : undefined, 'data-testid': `grain-${k.id}`, onclick: () => ((state.grain = k.id), redraw()) }, grainLabel(app, k)),
        ),
      ),
    );
  }
  const ranged = shown.find((k) => k.range);
  if (ranged) toolbar.append(rangeForm(app, ranged, state, redraw, grains !== undefined));
  const bodies: HTMLElement[] = [];
  for (const kpi of shown) {
    const query = new URLSearchParams();
    if (kpi.range && state.from) query.set('from', state.from);
    if (kpi.range && state.to) query.set('to', state.to);
    for (const param of Object.keys(kpi.filters)) if (state.filters[param]) query.set(param, state.filters[param]!);
    const [rows, all] = await Promise.all([
      kpiRows(kpi.id, query.toString()),
      // The values a filter offers are those of the unfiltered KPI.
      Object.keys(kpi.filters).length ? kpiRows(kpi.id) : Promise.resolve([] as Row[]),
    ]);
    if (Object.keys(kpi.filters).length) toolbar.append(filterForm(app, kpi, all, state, redraw));
    bodies.push(kpiPanels(app, kpi, rows));
  }
  if (toolbar.childElementCount) parts.push(toolbar);
  parts.push(...bodies);
  return h('div', {}, ...parts);
}

/** A grain's button: the label of the KPI's x column (Jour, Mois...), else its title. */
function grainLabel(app: App, kpi: KpiMeta): string {
  const x = kpi.charts.find((c) => c.x)?.x;
  return x ? app.l(app.column(kpi, x).label) : app.l(kpi.title);
}

function rangeForm(app: App, kpi: KpiMeta, state: TabState, redraw: () => void, grainSwitch: boolean): HTMLElement {
  // Days are picked on a calendar, also on the month or year KPIs of a grain switch (the API cuts a
  // day to their period); another sortable text range is typed as it is written.
  const dates = app.column(kpi, kpi.range!).type === 'date' || grainSwitch;
  const from = h('input', { type: dates ? 'date' : 'text', value: state.from, 'data-testid': 'range-from', 'aria-label': app.t('from') });
  const to = h('input', { type: dates ? 'date' : 'text', value: state.to, 'data-testid': 'range-to', 'aria-label': app.t('to') });
  return h(
    'form',
    {
      class: 'range',
      onsubmit: (e: Event) => {
        e.preventDefault();
        state.from = from.value;
        state.to = to.value;
        redraw();
      },
    },
    h('label', {}, app.t('from'), ' ', from),
    h('label', {}, app.t('to'), ' ', to),
    h('button', { type: 'submit', 'data-testid': 'range-apply' }, app.t('apply')),
    h('button', { type: 'button', 'data-testid': 'range-reset', onclick: () => ((state.from = ''), (state.to = ''), redraw()) }, app.t('reset')),
  );
}

function filterForm(app: App, kpi: KpiMeta, rows: Row[], state: TabState, redraw: () => void): HTMLElement {
  return h(
    'div',
    { class: 'range' },
    ...Object.entries(kpi.filters).map(([param, column]) => {
      const values = [...new Set(rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined).map(String))].sort();
      const select = h(
        'select',
        {
          'data-testid': `filter-${param}`,
          'aria-label': app.l(app.column(kpi, column).label),
          onchange: (e: Event) => {
            state.filters[param] = (e.target as HTMLSelectElement).value;
            redraw();
          },
        },
        h('option', { value: '' }, `${app.l(app.column(kpi, column).label)} : ${app.t('all')}`),
        ...values.map((v) => h('option', { value: v, selected: state.filters[param] === v }, v)),
      );
      return select;
    }),
  );
}
