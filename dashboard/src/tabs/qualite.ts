import { getJson, type Schemas } from '../api';
import type { Tab } from '../app';
import { card, h, section, table } from '../dom';

type Report = Schemas['QualityReport'];

const tab: Tab = {
  id: 'qualite',
  title: (app) => app.t('tab_qualite'),
  async render(app) {
    const report = await getJson<Report>('api/quality');
    const rows = report.checks.map((c) => [
      c.dataset,
      c.rule,
      c.column ?? '—',
      c.severity,
      app.number(c.checked, 0),
      app.number(c.failed, 0),
      c.checked ? `${app.number((100 * (c.checked - c.failed)) / c.checked, 2)} %` : '—',
      c.examples.map((e) => e.detail).filter(Boolean).join(' · ') || '—',
    ]);
    const quarantine = Object.values(report.quarantine).map((q) => [
      q.dataset,
      app.number(q.rowsIn, 0),
      app.number(q.rowsOut, 0),
      q.rows === undefined ? '—' : app.number(q.rows, 0),
      app.number(q.quarantined, 0),
      app.number(q.exactDuplicates, 0),
      app.number(q.emptyRows, 0),
      Object.entries(q.reasons).map(([r, n]) => `${r} ${n}`).join(', ') || '—',
    ]);
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'cards' },
        card(app.t('rules'), String(report.summary.rules), 'quality-rules'),
        card(app.t('rules_failing'), String(report.summary.failing), 'quality-failing'),
      ),
      h('p', { class: 'muted' }, `run ${report.runId} · ${app.date(report.startedAt)}`),
      section(
        app.t('tab_qualite'),
        table(
          [app.t('dataset'), app.t('rule'), app.t('column'), app.t('severity'), app.t('checked'), app.t('failed'), app.t('pass_rate'), app.t('example')],
          rows,
          { 'data-testid': 'table-quality' },
          [false, false, false, false, true, true, true, false],
        ),
      ),
      section(
        app.t('quarantine'),
        table(
          [app.t('dataset'), app.t('rows_read'), app.t('rows_merged'), app.t('rows_in_silver'), app.t('quarantined'), app.t('duplicates'), app.t('empty_rows'), app.t('reasons')],
          quarantine,
          { 'data-testid': 'table-quarantine' },
          [false, true, true, true, true, true, true, false],
        ),
      ),
    );
  },
};
export default tab;
