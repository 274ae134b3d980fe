import { ApiError, getJson, kpiRead, kpiRows, type DataVersion, type KpiMeta, type Label, type Row, type Schemas } from '../api';
import { interactive, type App, type Tab } from '../app';
import { loadCharts } from '../charts';
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

/**
 * A tab of the project (datalake.yml's `dashboard.tabs`, or one per KPI): each KPI drawn from its
 * declaration. A tab of several time KPIs (each with a `range`) is one view with a grain switch; a
 * date range shows when the KPI has a range, a choice of values for each declared filter. The tab's
 * state is in the address (see readState): each change is a history entry, and a link opens the same view.
 */
export function kpiTab(spec: { id: string; title: Label; kpis: string[] }): Tab {
  return {
    id: spec.id,
    title: (app) => app.l(spec.title),
    render: (app) => interactive(app, (a) => view(a, spec)),
  };
}

/** Days are picked on a calendar, also on the month or year KPIs of a grain switch (the API cuts a day to their period); another sortable text range is typed as it is written. */
function rangeOfDates(app: App, kpi: KpiMeta, grainSwitch: boolean): boolean {
  return app.column(kpi, kpi.range!).type === 'date' || grainSwitch;
}

/** A bound of a range as its input takes it: a real day (YYYY-MM-DD) on a calendar, else a sortable text as the API takes it. */
function validBound(value: string, dates: boolean): boolean {
  if (!dates) return /^[0-9A-Za-z][0-9A-Za-z:._ -]{0,63}$/.test(value);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

/**
 * The state the address gives (`grain=volumes_mois&from=2026-01-01&to=2026-03-31&version=3&pays=France`):
 * `grain` a KPI id of the grain switch, `from`/`to` the bounds of the range, `version` a lake version,
 * then the KPIs' filter parameters. A value that does not fit (an unknown grain, a date that is not
 * one...) is left out, and the default used; a filter value is checked against the values offered,
 * a version against the lake, once read (see view).
 */
function readState(app: App, params: URLSearchParams, kpis: KpiMeta[], grains: KpiMeta[] | undefined): { state: TabState; shown: KpiMeta[] } {
  const state: TabState = { from: '', to: '', filters: {}, version: '' };
  const grain = grains?.find((k) => k.id === params.get('grain')) ?? grains?.[0];
  if (grain) state.grain = grain.id;
  const shown = grain ? [grain] : kpis;
  const ranged = shown.find((k) => k.range);
  if (ranged) {
    const dates = rangeOfDates(app, ranged, grains !== undefined);
    for (const bound of ['from', 'to'] as const) {
      const value = params.get(bound) ?? '';
      if (validBound(value, dates)) state[bound] = value;
    }
  }
  for (const kpi of shown) {
    for (const param of Object.keys(kpi.filters)) {
      const value = params.get(param) ?? '';
      if (value.length > 0 && value.length <= 200) state.filters[param] = value;
    }
  }
  const version = params.get('version') ?? '';
  if (/^[1-9]\d{0,8}$/.test(version)) state.version = version;
  return { state, shown };
}

/** The address of a state: only the values that differ from the defaults (the first grain, no range, no filter, the published version). */
function writeState(state: TabState, grains: KpiMeta[] | undefined): URLSearchParams {
  const params = new URLSearchParams();
  if (grains && state.grain && state.grain !== grains[0]!.id) params.set('grain', state.grain);
  if (state.from) params.set('from', state.from);
  if (state.to) params.set('to', state.to);
  if (state.version) params.set('version', state.version);
  for (const [param, value] of Object.entries(state.filters)) if (value) params.set(param, value);
  return params;
}

interface KpiRead {
  kpi: KpiMeta;
  rows: Row[];
  data?: DataVersion;
  /** Filter parameter → the values it offers. */
  offered: Record<string, string[]>;
}

/**
 * Each KPI's rows in the state, and the values each of its filters offers: those of the unfiltered
 * KPI. A filter value that is not one of them is dropped from the state (and the rows read without it).
 */
async function readKpis(shown: KpiMeta[], state: TabState): Promise<KpiRead[]> {
  const query = (kpi: KpiMeta) => {
    const q = new URLSearchParams();
    if (kpi.range && state.from) q.set('from', state.from);
    if (kpi.range && state.to) q.set('to', state.to);
    for (const param of Object.keys(kpi.filters)) if (state.filters[param]) q.set(param, state.filters[param]!);
    if (state.version) q.set('version', state.version);
    return q.toString();
  };
  const reads: KpiRead[] = [];
  for (const kpi of shown) {
    const filtered = Object.keys(kpi.filters).length > 0;
    const [read, all] = await Promise.all([kpiRead(kpi.id, query(kpi)), filtered ? kpiRows(kpi.id) : Promise.resolve([] as Row[])]);
    const offered = Object.fromEntries(
      Object.entries(kpi.filters).map(([param, column]) => [param, [...new Set(all.map((r) => r[column]).filter((v) => v !== null && v !== undefined).map(String))].sort()]),
    );
    const unknown = Object.keys(kpi.filters).filter((param) => state.filters[param] && !offered[param]!.includes(state.filters[param]!));
    for (const param of unknown) delete state.filters[param];
    reads.push({ kpi, offered, ...(unknown.length ? await kpiRead(kpi.id, query(kpi)) : read) });
  }
  return reads;
}

async function view(app: App, spec: { id: string; kpis: string[] }): Promise<HTMLElement> {
  const params = app.params;
  const kpis = spec.kpis.map((id) => app.kpi(id));
  const grains = kpis.length > 1 && kpis.every((k) => k.range) ? kpis : undefined;
  const { state, shown } = readState(app, params, kpis, grains);
  /**
   * A change of the user's: a new history entry (none when it changes nothing it can use), and the view
   * drawn again from it. Made to the state in the address, which is newer than this view's while a
   * change made just before is still being drawn.
   */
  const go = (change: Partial<TabState>) => {
    const current = readState(app, app.params, kpis, grains).state;
    const next = { ...current, ...change, filters: { ...current.filters, ...change.filters } };
    app.go(writeState(readState(app, writeState(next, grains), kpis, grains).state, grains));
  };
  // The charts' code is fetched alongside the data.
  if (shown.some((k) => k.charts.some((c) => c.type !== 'table' && c.type !== 'cards'))) loadCharts().catch(() => undefined);

  // Fetched before any chart is made: a chart initialises on the next frame, once in the document.
  const versions = await getJson<Schemas['Version'][]>('api/versions?limit=50').catch(() => [] as Schemas['Version'][]);
  let reads: KpiRead[];
  let versionError: { version: string; why: string } | undefined;
  try {
    reads = await readKpis(shown, state);
  } catch (err) {
    // A version the API refuses (not in this lake, dropped since the link was made, not readable with
    // the KPI's declaration): the published one instead, and a notice that says why.
    if (!state.version || !(err instanceof ApiError && err.kind === 'http')) throw err;
    versionError = { version: state.version, why: err.message };
    state.version = '';
    reads = await readKpis(shown, state);
  }
  // The address says the state shown: the values it could not use are taken out (if no other change came since).
  if (app.params === params) app.settle(writeState(state, grains));

  const parts: HTMLElement[] = [];
  const toolbar = h('div', { class: 'toolbar' });
  if (grains) {
    toolbar.append(
      h(
        'div',
        { class: 'segmented', role: 'group' },
        ...grains.map((k) =>
          h(
            'button',
            { class: k === shown[0] ? 'active' : undefined, 'aria-pressed': k === shown[0] ? 'true' : 'false', 'data-testid': `grain-${k.id}`, onclick: () => go({ grain: k.id }) },
            grainLabel(app, k),
          ),
        ),
      ),
    );
  }
  const ranged = shown.find((k) => k.range);
  if (ranged) toolbar.append(rangeForm(app, ranged, state, go, grains !== undefined));
  const bodies: HTMLElement[] = [];
  let shownVersion: DataVersion | undefined;
  for (const { kpi, rows, data, offered } of reads) {
    if (Object.keys(kpi.filters).length) toolbar.append(filterForm(app, kpi, offered, state, go));
    bodies.push(kpiPanels(app, kpi, rows));
    if (data && kpi === shown.at(-1)) shownVersion = data;
  }
  if (versions.length > 1 || versionError) toolbar.append(versionPicker(app, spec.id, versions, state, go));
  if (toolbar.childElementCount) parts.push(toolbar);
  if (versionError) {
    const text = app.t('version_unavailable').replace('{v}', versionError.version).replace('{why}', versionError.why);
    parts.push(h('p', { class: 'notice error', role: 'alert', 'data-testid': 'version-error' }, text));
  }
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

function versionPicker(app: App, tab: string, versions: Schemas['Version'][], state: TabState, go: (change: Partial<TabState>) => void): HTMLElement {
  // A version older than the ones listed (from a link) is shown too.
  const listed = versions.some((v) => String(v.version) === state.version);
  return h(
    'select',
    {
      'data-testid': `version-${tab}`,
      'aria-label': app.t('version'),
      onchange: (e: Event) => go({ version: (e.target as HTMLSelectElement).value }),
    },
    h('option', { value: '' }, `${app.t('version')} : ${app.t('version_latest')}`),
    ...(state.version && !listed ? [h('option', { value: state.version, selected: true }, `${app.t('version')} ${state.version}`)] : []),
    ...versions.map((v) => h('option', { value: String(v.version), selected: state.version === String(v.version) }, `${app.t('version')} ${v.version} — ${app.date(v.committedAt)}`)),
  );
}

/** A grain's button: the label of the KPI's x column (Jour, Mois...), else its title. */
function grainLabel(app: App, kpi: KpiMeta): string {
  const x = kpi.charts.find((c) => c.x)?.x;
  return x ? app.l(app.column(kpi, x).label) : app.l(kpi.title);
}

function rangeForm(app: App, kpi: KpiMeta, state: TabState, go: (change: Partial<TabState>) => void, grainSwitch: boolean): HTMLElement {
  const dates = rangeOfDates(app, kpi, grainSwitch);
  const from = h('input', { type: dates ? 'date' : 'text', value: state.from, 'data-testid': 'range-from', 'aria-label': app.t('from') });
  const to = h('input', { type: dates ? 'date' : 'text', value: state.to, 'data-testid': 'range-to', 'aria-label': app.t('to') });
  // Applied as a whole (one history entry), not as each field is typed.
  return h(
    'form',
    {
      class: 'range',
      onsubmit: (e: Event) => {
        e.preventDefault();
        go({ from: from.value.trim(), to: to.value.trim() });
      },
    },
    h('label', {}, app.t('from'), ' ', from),
    h('label', {}, app.t('to'), ' ', to),
    h('button', { type: 'submit', 'data-testid': 'range-apply' }, app.t('apply')),
    h('button', { type: 'button', 'data-testid': 'range-reset', onclick: () => go({ from: '', to: '' }) }, app.t('reset')),
  );
}

function filterForm(app: App, kpi: KpiMeta, offered: Record<string, string[]>, state: TabState, go: (change: Partial<TabState>) => void): HTMLElement {
  return h(
    'div',
    { class: 'range' },
    ...Object.entries(kpi.filters).map(([param, column]) =>
      h(
        'select',
        {
          'data-testid': `filter-${param}`,
          'aria-label': app.l(app.column(kpi, column).label),
          onchange: (e: Event) => go({ filters: { [param]: (e.target as HTMLSelectElement).value } }),
        },
        h('option', { value: '' }, `${app.l(app.column(kpi, column).label)} : ${app.t('all')}`),
        ...(offered[param] ?? []).map((v) => h('option', { value: v, selected: state.filters[param] === v }, v)),
      ),
    ),
  );
}
