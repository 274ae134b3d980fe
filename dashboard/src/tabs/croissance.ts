import { kpiRows } from '../api';
import type { Tab } from '../app';
import { chart } from '../charts';
import { h, section, table } from '../dom';

const tab: Tab = {
  id: 'croissance',
  title: 'tab_croissance',
  async render(app) {
    const rows = await kpiRows('croissance');
    const kpi = app.kpi('croissance');
    const { headers, cells, numeric } = app.kpiTableRows('croissance', rows);
    return h(
      'div',
      {},
      section(
        kpi.title[app.lang],
        chart(
          {
            legend: {},
            xAxis: { type: 'category', data: rows.map((r) => String(r['mois'])) },
            yAxis: [
              { type: 'value', name: '€' },
              { type: 'value', name: '%', splitLine: { show: false } },
            ],
            series: [
              { name: app.label('croissance', 'ca_total'), type: 'bar', data: rows.map((r) => r['ca_total']) },
              { name: app.label('croissance', 'croissance_pct'), type: 'line', yAxisIndex: 1, data: rows.map((r) => r['croissance_pct']) },
            ],
          },
          'chart-croissance',
        ),
      ),
      section(kpi.title[app.lang], table(headers, cells, { 'data-testid': 'table-croissance' }, numeric)),
    );
  },
};
export default tab;
