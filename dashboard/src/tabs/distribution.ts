import { kpiRows } from '../api';
import type { Tab } from '../app';
import { chart } from '../charts';
import { card, h, section } from '../dom';

const tab: Tab = {
  id: 'distribution',
  title: 'tab_distribution',
  async render(app) {
    const [stats, histogram] = await Promise.all([kpiRows('distribution'), kpiRows('histogramme_montants')]);
    const s = stats[0] ?? {};
    const kpi = app.kpi('distribution');
    const cards = h(
      'div',
      { class: 'cards' },
      ...kpi.columns.map((c) => {
        const v = s[c.name];
        const text = typeof v === 'number' ? (c.unit === 'EUR' ? app.euros(v) : app.number(v, 0)) : '—';
        return card(c.label[app.lang], text, `stat-${c.name}`);
      }),
    );
    return h(
      'div',
      {},
      cards,
      section(
        app.t('histogram'),
        chart(
          {
            xAxis: { type: 'category', name: '€', data: histogram.map((r) => `${r['tranche_min']}–${r['tranche_max']}`), axisLabel: { rotate: 45 } },
            yAxis: { type: 'value', name: app.t('nb_achats') },
            series: [{ name: app.t('nb_achats'), type: 'bar', barCategoryGap: '5%', data: histogram.map((r) => r['nb_achats']) }],
          },
          'chart-histogram',
        ),
      ),
    );
  },
};
export default tab;
