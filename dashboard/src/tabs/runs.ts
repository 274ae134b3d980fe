import { getJson } from '../api';
import type { Tab } from '../app';
import { chart } from '../charts';
import { h, section, table } from '../dom';

interface Stage {
  stage: string;
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
  seconds: number;
  details?: { skipped?: string };
}
interface Run {
  runId: string;
  flow: string;
  state: string;
  startedAt: string;
  seconds: number;
  stages: Stage[];
  error?: { message: string };
}

const STAGES = ['bronze', 'silver', 'gold', 'publish'];

const tab: Tab = {
  id: 'runs',
  title: 'tab_runs',
  async render(app) {
    const runs = await getJson<Run[]>('api/runs?limit=50');
    if (runs.length === 0) return h('p', { class: 'state empty', 'data-testid': 'state-empty' }, app.t('no_runs'));
    const recent = runs.slice(0, 20).reverse();
    const timeline = chart(
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: {},
        grid: { left: 190, right: 24, top: 40, bottom: 40 },
        xAxis: { type: 'value', name: app.t('seconds') },
        yAxis: { type: 'category', data: recent.map((r) => r.runId) },
        series: STAGES.map((s) => ({
          name: s,
          type: 'bar',
          stack: 'run',
          data: recent.map((r) => r.stages.find((x) => x.stage === s)?.seconds ?? 0),
        })),
      },
      'chart-runs',
    );
    const rows = runs.map((r) => [
      r.runId,
      r.flow,
      r.error ? `${r.state}: ${r.error.message}` : r.state,
      app.date(r.startedAt),
      `${app.number(r.seconds, 2)} s`,
      ...STAGES.map((name) => {
        const s = r.stages.find((x) => x.stage === name);
        if (!s) return null;
        if (s.details?.skipped) return app.t('up_to_date');
        return `${app.number(s.rowsOut, 0)} ${app.t('rows')} · ${app.number(s.seconds, 2)} s${s.quarantined ? ` · ${app.number(s.quarantined, 0)} q.` : ''}`;
      }),
    ]);
    return h(
      'div',
      {},
      section(app.t('timeline'), timeline),
      section(
        app.t('tab_runs'),
        table([app.t('run'), app.t('flow'), app.t('state'), app.t('started'), app.t('duration'), ...STAGES], rows, { 'data-testid': 'table-runs' }, [false, false, false, false, true, true, true, true, true]),
      ),
    );
  },
};
export default tab;
