import { getJson, kpiRead, kpiRows, type DataVersion, type KpiMeta, type Label, type Row, type Schemas } from '../api';
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
  /** A lake version to show instead of the published one ('' = the published one). */
  version: string;
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
  const state = states.get(spec.id) ?? { from: '', to: '', filters: {}, version: '' };
  states.set(spec.id, state);
  const grains = kpis.length > 1 && kpis.every((k) => k.range) ? kpis : undefined;
  const shown = grains ? [grains.find((k) => k.id === state.grain) ?? grains[0]!] : kpis;

  // Fetched before any chart is made: a chart initialises on the next frame, once in the document.
  const versions = await getJson<Schemas['Version'][]>('api/versions?limit=50').catch(() => [] as Schemas['Version'][]);
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
  let shownVersion: DataVersion | undefined;
  for (const kpi of shown) {
    const query = new URLSearchParams();
    if (kpi.range && state.from) query.set('from', state.from);
    if (kpi.range && state.to) query.set('to', state.to);
    for (const param of Object.keys(kpi.filters)) if (state.filters[param]) query.set(param, state.filters[param]!);
    if (state.version) query.set('version', state.version);
    const [{ rows, data }, all] = await Promise.all([
      kpiRead(kpi.id, query.toString()),
      // The values a filter offers are those of the unfiltered KPI.
      Object.keys(kpi.filters).length ? kpiRows(kpi.id) : Promise.resolve([] as Row[]),
    ]);
    if (Object.keys(kpi.filters).length) toolbar.append(filterForm(app, kpi, all, state, redraw));
    bodies.push(kpiPanels(app, kpi, rows));
    if (data && kpi === shown.at(-1)) shownVersion = data;
  }
  if (versions.length > 1) toolbar.append(versionPicker(app, spec.id, versions, state, redraw));
  if (toolbar.childElementCount) parts.push(toolbar);
  parts.push(...bodies);
  if (shownVersion) parts.push(versionLine(app, shownVersion, versions));
  return h('div', {}, ...parts);
}

/** Which version of the lake the tab shows, when it was committed, and the run that committed it. */
function versionLine(app: App, data: DataVersion, versions: Schemas['Version'][]): HTMLElement {
  const run = versions.find((v) => v.version === data.version)?.runId;
  const text = app.t('version_line').replace('{v}', String(data.version)).replace('{at}', app.date(data.committedAt));
  return h(
    'p',
    { class: 'muted', 'data-testid': 'data-version' },
    text,
    data.audit === 'approved' ? ` (${app.t('version_approved')})` : '',
    ...(run ? [' · ', h('a', { href: `api/runs/${run}`, 'data-testid': 'data-version-run' }, `${app.t('version_run')} ${run}`)] : []),
  );
}

function versionPicker(app: App, tab: string, versions: Schemas['Version'][], state: TabState, redraw: () => void): HTMLElement {
  return h(
    'select',
    {
      'data-testid': `version-${tab}`,
      'aria-label': app.t('version'),
      onchange: (e: Event) => {
        state.version = (e.target as HTMLSelectElement).value;
        redraw();
      },
    },
    h('option', { value: '' }, `${app.t('version')} : ${app.t('version_latest')}`),
    ...versions.map((v) => h('option', { value: String(v.version), selected: state.version === String(v.version) }, `${app.t('version')} ${v.version} — ${app.date(v.committedAt)}`)),
  );
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
