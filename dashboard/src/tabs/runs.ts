import { getJson, type Schemas } from '../api';
import type { Tab } from '../app';
import { chart, loadCharts } from '../charts';
import { h, section, table } from '../dom';

type Run = Schemas['Run'];

const ATTEMPT_COLORS: Record<string, string> = { completed: '#2e7d32', failed: '#c62828', running: '#1565c0' };

/** One run's tasks on a time axis: a bar per attempt, from its start to its end (or now, if running). */
function taskTimeline(app: Parameters<Tab['render']>[0], run: Run): HTMLElement {
  const t0 = Date.parse(run.startedAt);
  // A shard (one file's cleaning, one month of gold) is drawn under its task, named short: `↳ clean achats_2026-01.csv`.
  const short = (t: { name: string; parent?: string }) => (t.parent ? `↳ ${t.name.slice(t.parent.length + 2).replace(/ \S*\//, ' ')}` : t.name);
  const rows = (run.tasks ?? []).flatMap((t) => t.attempts.map((a) => ({ label: t.attempts.length > 1 ? `${short(t)} #${a.attempt}` : short(t), a })));
  const offset = rows.map((r) => (Date.parse(r.a.startedAt) - t0) / 1000);
  const length = rows.map((r, i) => Math.max(0.01, ((r.a.endedAt ? Date.parse(r.a.endedAt) : Date.now()) - t0) / 1000 - offset[i]!));
  const box = chart(
    {
      tooltip: { trigger: 'item' },
      grid: { left: 200, right: 24, top: 24, bottom: 40 },
      xAxis: { type: 'value', name: app.t('seconds') },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.label) },
      series: [
        { type: 'bar', stack: 't', silent: true, itemStyle: { color: 'transparent' }, data: offset },
        {
          type: 'bar',
          stack: 't',
          name: app.t('duration'),
          data: rows.map((r, i) => ({
            value: length[i],
            itemStyle: { color: ATTEMPT_COLORS[r.a.state] ?? '#757575' },
            name: `${r.label}: ${r.a.state}${r.a.worker ? ` (${r.a.worker})` : ''}${r.a.error ? ` — ${r.a.error}` : ''}`,
          })),
          tooltip: { formatter: (p: { name: string; value: number }) => `${p.name}<br>${app.number(p.value, 2)} s` },
        },
      ],
    },
    'chart-tasks',
  );
  // One readable line per bar, however many shards.
  box.style.height = `${Math.max(240, rows.length * 22 + 70)}px`;
  return box;
}

/** The run shown (`#runs?run=<id>`, default the newest): its tasks on a timeline and its log. */
function runDetail(app: Parameters<Tab['render']>[0], runs: Run[], shown: Run): HTMLElement {
  const logs = (shown.logs ?? []).map((l) => [l.time.slice(11, 23), l.level, l.task ?? '', l.message]);
  const select = h(
    'select',
    {
      'data-testid': 'run-select',
      onChange: (e: Event) => {
        const id = (e.target as HTMLSelectElement).value;
        app.go(new URLSearchParams(id === runs[0]!.runId ? '' : { run: id }));
      },
    },
    ...(runs.includes(shown) ? runs : [...runs, shown]).map((r) => h('option', { value: r.runId, selected: r.runId === shown.runId }, `${r.runId} · ${r.flow} · ${r.state}`)),
  );
  return h(
    'div',
    {},
    h('label', {}, `${app.t('run')} `, select),
    taskTimeline(app, shown),
    table([app.t('time'), app.t('level'), app.t('task'), app.t('message')], logs, { 'data-testid': 'table-run-log' }),
    // The alerts its end sent (ALERT_WEBHOOK_URL): delivered, or given up and why.
    ...(shown.alerts?.length
      ? [
          h('h3', {}, app.t('alerts_sent')),
          table(
            [app.t('time'), app.t('alert_event'), app.t('alert_status'), app.t('attempts'), app.t('message')],
            shown.alerts.map((a) => [a.at.slice(11, 23), a.event, a.httpStatus ? `${a.status} (HTTP ${a.httpStatus})` : a.status, a.attempts, a.error ?? a.target]),
            { 'data-testid': 'table-run-alerts' },
          ),
        ]
      : []),
  );
}

/** The run the address names: one of the list, else fetched (older than the list); an unknown id falls back to the newest. */
async function chosenRun(app: Parameters<Tab['render']>[0], runs: Run[]): Promise<Run> {
  const id = app.params.get('run');
  const listed = id ? runs.find((r) => r.runId === id) : runs[0];
  if (listed) return listed;
  const older = /^[0-9A-Za-z.-]{1,64}$/.test(id!) ? await getJson<Run>(`api/runs/${id}`).catch(() => undefined) : undefined;
  if (older) return older;
  app.settle(new URLSearchParams());
  return runs[0]!;
}

const STAGES = ['bronze', 'silver', 'gold', 'publish'];

const tab: Tab = {
  id: 'runs',
  title: (app) => app.t('tab_runs'),
  async render(app) {
    // The charts' code is fetched alongside the runs.
    loadCharts().catch(() => undefined);
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
          data: recent.map((r) => (r.stages ?? []).find((x) => x.stage === s)?.seconds ?? 0),
        })),
      },
      'chart-runs',
    );
    const resumed = (r: (typeof runs)[number]) => {
      const last = r.resumes?.filter((x) => x.startedAt).at(-1);
      return last ? ` · ${app.t('resumed_from')} ${last.from ?? '-'}` : '';
    };
    const rows = runs.map((r) => [
      r.runId,
      r.flow,
      `${r.error ? `${r.state}: ${r.error.message}` : r.state}${resumed(r)}`,
      app.date(r.startedAt),
      `${app.number(r.seconds, 2)} s`,
      ...STAGES.map((name) => {
        const s = (r.stages ?? []).find((x) => x.stage === name);
        if (!s) return null;
        if (s.details?.skipped) return app.t('up_to_date');
        return `${app.number(s.rowsOut, 0)} ${app.t('rows')} · ${app.number(s.seconds, 2)} s${s.quarantined ? ` · ${app.number(s.quarantined, 0)} q.` : ''}`;
      }),
    ]);
    return h(
      'div',
      {},
      section(app.t('run_tasks'), runDetail(app, runs, await chosenRun(app, runs))),
      section(app.t('timeline'), timeline),
      section(
        app.t('tab_runs'),
        table([app.t('run'), app.t('flow'), app.t('state'), app.t('started'), app.t('duration'), ...STAGES], rows, { 'data-testid': 'table-runs' }, [false, false, false, false, true, true, true, true, true]),
      ),
    );
  },
};
export default tab;
