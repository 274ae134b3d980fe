import { getJson, kpiRows } from '../api';
import type { App, Tab } from '../app';
import { chart } from '../charts';
import { card, h, section, table } from '../dom';

interface Side {
  name: string;
  p50_ms: number;
  p95_ms: number;
  mean_ms: number;
}
interface Comparison {
  kpi: string;
  n: number;
  serving_store: Side;
  lake: Side;
}

/** "SQLite", "MongoDB", "Dossier local", "MinIO / S3": the store kind from its description. */
function storeName(app: App, description: string): string {
  const kind = description.split(' ')[0];
  const names: Record<string, string> = { sqlite: 'SQLite', mongodb: 'MongoDB', folder: app.lang === 'fr' ? 'Dossier local' : 'Local folder', s3: 'MinIO / S3' };
  return names[kind ?? ''] ?? description;
}

const tab: Tab = {
  id: 'accueil',
  title: 'tab_accueil',
  async render(app) {
    const [pays, distribution, ready] = await Promise.all([
      kpiRows('ca_par_pays'),
      kpiRows('distribution'),
      getJson<{ last_publish: { publishedAt: string; runId: string } | null }>('ready'),
    ]);
    const caTotal = pays.reduce((sum, r) => sum + Number(r['ca_total'] ?? 0), 0);
    const d = distribution[0] ?? {};
    const cards = h(
      'div',
      { class: 'cards' },
      card(app.t('ca_total'), app.euros(caTotal), 'card-ca-total'),
      card(app.t('nb_achats'), app.number(Number(d['nb_achats']), 0), 'card-nb-achats'),
      card(app.t('panier_moyen'), app.euros(Number(d['montant_moyen'])), 'card-panier-moyen'),
      card(app.t('nb_pays'), String(pays.length), 'card-nb-pays'),
    );
    const publish = ready.last_publish ? h('p', { class: 'muted' }, `${app.t('last_publish')} : ${app.date(ready.last_publish.publishedAt)} (run ${ready.last_publish.runId})`) : null;

    const result = h('div', { 'data-testid': 'compare-result' });
    const button = h('button', { class: 'primary', 'data-testid': 'compare-button' }, app.t('compare_button'));
    button.addEventListener('click', async () => {
      button.setAttribute('disabled', '');
      result.replaceChildren(h('p', { class: 'loading' }, app.t('compare_running')));
      try {
        const c = await getJson<Comparison>('api/compare?kpi=ca_par_pays&n=20');
        const serving = `${app.t('serving_store')} — ${storeName(app, c.serving_store.name)}`;
        const lake = `${app.t('lake')} — ${storeName(app, c.lake.name)}`;
        const ratio = c.lake.p50_ms / c.serving_store.p50_ms;
        result.replaceChildren(
          table(
            ['', 'p50 (ms)', 'p95 (ms)', app.lang === 'fr' ? 'moyenne (ms)' : 'mean (ms)'],
            [
              [serving, app.number(c.serving_store.p50_ms, 3), app.number(c.serving_store.p95_ms, 3), app.number(c.serving_store.mean_ms, 3)],
              [lake, app.number(c.lake.p50_ms, 3), app.number(c.lake.p95_ms, 3), app.number(c.lake.mean_ms, 3)],
            ],
            { 'data-testid': 'compare-table' },
          ),
          h('p', { class: 'muted' }, `p50 : ${storeName(app, c.serving_store.name)} ${app.number(ratio, 1)} ${app.t('faster')} (${c.n} × ${c.kpi})`),
          chart(
            {
              legend: {},
              xAxis: { type: 'category', data: ['p50', 'p95', app.lang === 'fr' ? 'moyenne' : 'mean'] },
              yAxis: { type: 'value', name: 'ms' },
              series: [
                { name: storeName(app, c.serving_store.name), type: 'bar', data: [c.serving_store.p50_ms, c.serving_store.p95_ms, c.serving_store.mean_ms] },
                { name: storeName(app, c.lake.name), type: 'bar', data: [c.lake.p50_ms, c.lake.p95_ms, c.lake.mean_ms] },
              ],
            },
            'compare-chart',
          ),
        );
      } catch (err) {
        result.replaceChildren(app.stateFor(err, () => button.click()));
      } finally {
        button.removeAttribute('disabled');
      }
    });
    return h('div', {}, cards, publish, section(app.t('compare_title'), button, result));
  },
};
export default tab;
