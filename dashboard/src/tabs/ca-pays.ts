import { kpiRows } from '../api';
import type { Tab } from '../app';
import { chart } from '../charts';
import { h, section, table } from '../dom';

const tab: Tab = {
  id: 'ca-pays',
  title: 'tab_pays',
  async render(app) {
    const rows = await kpiRows('ca_par_pays');
    const kpi = app.kpi('ca_par_pays');
    const pays = rows.map((r) => String(r['pays']));
    const ca = rows.map((r) => Number(r['ca_total']));
    const { headers, cells, numeric } = app.kpiTableRows('ca_par_pays', rows);
    return h(
      'div',
      { class: 'grid-2' },
      section(
        kpi.title[app.lang],
        chart(
          { xAxis: { type: 'category', data: pays, axisLabel: { rotate: 30 } }, yAxis: { type: 'value', name: '€' }, series: [{ name: app.label('ca_par_pays', 'ca_total'), type: 'bar', data: ca }] },
          'chart-ca-pays-bar',
        ),
      ),
      section(
        app.lang === 'fr' ? 'Répartition du CA' : 'Revenue share',
        chart({ tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: ['35%', '70%'], data: rows.map((r) => ({ name: String(r['pays']), value: Number(r['ca_total']) })) }] }, 'chart-ca-pays-pie'),
      ),
      h('div', { class: 'span-2' }, section(kpi.title[app.lang], table(headers, cells, { 'data-testid': 'table-ca-pays' }, numeric))),
    );
  },
};
export default tab;
