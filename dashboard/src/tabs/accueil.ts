import { getJson, kpiRows, type Schemas } from '../api';
import type { App, Tab } from '../app';
import { chart, loadCharts } from '../charts';
import { h, section, table } from '../dom';
import { kpiCards } from '../kpi-view';

type Comparison = Schemas['Comparison'];
type Freshness = Schemas['Freshness'];

/** `45 s`, `12 min`, `5 h`, `2 j`: how long ago, roughly. */
function ago(app: App, seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${app.number(seconds / 3600, 1)} h`;
  return `${app.number(seconds / 86_400, 1)} ${app.lang === 'fr' ? 'j' : 'd'}`;
}

/** One badge per dataset: its state against its freshness SLA and the age of its newest file (/api/freshness). */
function freshnessBadges(app: App, freshness: Freshness): HTMLElement {
  return h(
    'div',
    { class: 'badges', 'data-testid': 'freshness' },
    ...freshness.datasets.map((d) => {
      const age = d.age_seconds === null ? null : app.t('freshness_age').replace('{age}', ago(app, d.age_seconds));
      const sla = d.warn_after || d.error_after ? app.t('freshness_sla').replace('{warn}', d.warn_after ?? '—').replace('{error}', d.error_after ?? '—') : null;
      return h(
        'span',
        { class: `badge badge-${d.state}`, 'data-testid': `freshness-${d.dataset}`, 'data-state': d.state, title: [age, sla].filter(Boolean).join(' · ') },
        h('strong', {}, d.dataset),
        app.t(`freshness_${d.state}`),
        age ? h('span', { class: 'muted' }, age) : null,
      );
    }),
  );
}

/** "SQLite", "MongoDB", "Dossier local", "MinIO / S3": the store kind from its description. */
function storeName(app: App, description: string): string {
  const kind = description.split(' ')[0];
  const names: Record<string, string> = { sqlite: 'SQLite', mongodb: 'MongoDB', folder: app.lang === 'fr' ? 'Dossier local' : 'Local folder', s3: 'MinIO / S3' };
  return names[kind ?? ''] ?? description;
}

/**
 * Home: the project's title and headline cards (its one-row KPIs), the last publish, the list of tabs,
 * and the serving store vs lake read-time comparison on the first KPI of the first tab.
 */
const tab: Tab = {
  id: 'accueil',
  title: (app) => app.t('tab_accueil'),
  async render(app) {
    const project = app.project!;
    const cardKpis = project.home.map((id) => app.kpi(id));
    const [rows, ready, freshness] = await Promise.all([
      Promise.all(cardKpis.map((k) => kpiRows(k.id))),
      getJson<Schemas['Ready']>('ready'),
      // The freshness of the data is a plus: the home page shows without it.
      getJson<Freshness>('api/freshness').catch(() => undefined),
    ]);
    // Nothing is published: the view says so (the KPI reads answer 404 then).
    if (!ready.last_publish && cardKpis.length === 0) await kpiRows(app.kpis[0]!.id);
    const cards = cardKpis.map((k, i) => kpiCards(app, k, rows[i]!));
    const publish = ready.last_publish ? h('p', { class: 'muted' }, `${app.t('last_publish')} : ${app.date(ready.last_publish.publishedAt)} (run ${ready.last_publish.runId})`) : null;
    const tabs = h(
      'ul',
      { class: 'tab-list', 'data-testid': 'home-tabs' },
      ...project.tabs.map((t) =>
        h('li', {}, h('a', { href: `#${t.id}` }, app.l(t.title)), ' — ', t.kpis.map((id) => app.l(app.kpi(id).title)).join(', ')),
      ),
    );
    const compared = app.kpi(project.tabs[0]?.kpis[0] ?? app.kpis[0]!.id);

    const result = h('div', { 'data-testid': 'compare-result' });
    const button = h('button', { class: 'primary', 'data-testid': 'compare-button' }, app.t('compare_button'));
    button.addEventListener('click', async () => {
      button.setAttribute('disabled', '');
      result.replaceChildren(h('p', { class: 'loading' }, app.t('compare_running')));
      loadCharts().catch(() => undefined);
      try {
        const c = await getJson<Comparison>(`api/compare?kpi=${encodeURIComponent(compared.id)}&n=20`);
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
    return h(
      'div',
      {},
      ...cards,
      publish,
      freshness ? section(app.t('freshness'), freshnessBadges(app, freshness)) : null,
      section(app.t('tabs'), tabs),
      section(`${app.t('compare_title')} (${app.l(compared.title)})`, button, result),
    );
  },
};
export default tab;
