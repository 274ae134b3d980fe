import { kpiRows, type Row } from '../api';
import { interactive, type App, type Tab } from '../app';
import { chart } from '../charts';
import { h, section, table } from '../dom';
import type { StringKey } from '../i18n';

type Grain = 'jour' | 'semaine' | 'mois' | 'an';
const GRAINS: { id: Grain; label: StringKey; kpi: string; x: string }[] = [
  { id: 'jour', label: 'day', kpi: 'volumes_jour', x: 'jour' },
  { id: 'semaine', label: 'week', kpi: 'volumes_semaine', x: 'semaine' },
  { id: 'mois', label: 'month', kpi: 'volumes_mois', x: 'mois' },
  { id: 'an', label: 'year', kpi: 'volumes_mois', x: 'mois' },
];
const state: { grain: Grain; from: string; to: string } = { grain: 'jour', from: '', to: '' };

/** Years are the sum of their months (there is no yearly KPI to keep in sync). */
function byYear(months: Row[]): Row[] {
  const years = new Map<string, { nb: number; ca: number }>();
  for (const m of months) {
    const y = String(m['mois']).slice(0, 4);
    const e = years.get(y) ?? { nb: 0, ca: 0 };
    e.nb += Number(m['nb_achats']);
    e.ca += Number(m['ca_total']);
    years.set(y, e);
  }
  return [...years].map(([annee, e]) => ({ annee, nb_achats: e.nb, ca_total: Math.round(e.ca * 100) / 100 }));
}

async function view(app: App, rerender: () => void): Promise<HTMLElement> {
  const grain = GRAINS.find((g) => g.id === state.grain)!;
  const query = new URLSearchParams();
  if (state.from) query.set('from', state.from);
  if (state.to) query.set('to', state.to);
  let rows = await kpiRows(grain.kpi, query.toString());
  let x = grain.x;
  let headers: string[];
  let cells: (string | number | null)[][];
  let numeric: boolean[];
  if (grain.id === 'an') {
    rows = byYear(rows);
    x = 'annee';
    headers = [app.t('year'), app.t('nb_achats'), app.t('ca_total')];
    cells = rows.map((r) => [String(r['annee']), app.number(Number(r['nb_achats']), 0), app.euros(Number(r['ca_total']))]);
    numeric = [false, true, true];
  } else {
    ({ headers, cells, numeric } = app.kpiTableRows(grain.kpi, rows));
  }
  const grainButtons = h(
    'div',
    { class: 'segmented' },
    ...GRAINS.map((g) =>
      h('button', { class: g.id === state.grain ? 'active' : undefined, 'data-testid': `grain-${g.id}`, onclick: () => ((state.grain = g.id), rerender()) }, app.t(g.label)),
    ),
  );
  const from = h('input', { type: 'date', value: state.from, 'data-testid': 'volumes-from', 'aria-label': app.t('from') });
  const to = h('input', { type: 'date', value: state.to, 'data-testid': 'volumes-to', 'aria-label': app.t('to') });
  const range = h(
    'form',
    {
      class: 'range',
      onsubmit: (e: Event) => {
        e.preventDefault();
        state.from = from.value;
        state.to = to.value;
        rerender();
      },
    },
    h('label', {}, app.t('from'), ' ', from),
    h('label', {}, app.t('to'), ' ', to),
    h('button', { type: 'submit', 'data-testid': 'volumes-apply' }, app.t('apply')),
    h('button', { type: 'button', onclick: () => ((state.from = ''), (state.to = ''), rerender()) }, app.t('reset')),
  );
  const line = chart(
    {
      legend: {},
      xAxis: { type: 'category', data: rows.map((r) => String(r[x])) },
      yAxis: [
        { type: 'value', name: '€' },
        { type: 'value', name: app.t('nb_achats'), splitLine: { show: false } },
      ],
      dataZoom: rows.length > 60 ? [{ type: 'inside' }, { type: 'slider' }] : [],
      series: [
        { name: app.t('ca_total'), type: 'line', showSymbol: false, data: rows.map((r) => Number(r['ca_total'])) },
        { name: app.t('nb_achats'), type: 'line', yAxisIndex: 1, showSymbol: false, data: rows.map((r) => Number(r['nb_achats'])) },
      ],
    },
    `chart-volumes-${grain.id}`,
  );
  return h('div', {}, h('div', { class: 'toolbar' }, grainButtons, range), section(app.t(grain.label), line), section(`${rows.length} ${app.t('rows')}`, table(headers, cells, { 'data-testid': 'table-volumes' }, numeric)));
}

const tab: Tab = {
  id: 'volumes',
  title: 'tab_volumes',
  render: (app) => interactive(app, view),
};
export default tab;
