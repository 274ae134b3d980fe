import { getBlob, getJson, type Schemas } from '../api';
import { interactive, type App, type Tab } from '../app';
import { h, section, table } from '../dom';

type Bucket = Schemas['LakeSummary']['buckets'][number];
type ObjectInfo = Schemas['ObjectList']['objects'][number];
type Preview = Schemas['Preview'];

const state: { bucket: string; key: string | null; column: string; value: string } = { bucket: 'gold', key: null, column: '', value: '' };

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

async function previewView(app: App, rerender: () => void): Promise<HTMLElement> {
  if (!state.key) return h('p', { class: 'muted' }, app.t('choose_object'));
  const q = new URLSearchParams({ key: state.key, limit: '100' });
  if (state.column && state.value) {
    q.set('column', state.column);
    q.set('value', state.value);
  }
  const p = await getJson<Preview>(`api/lake/${state.bucket}/preview?${q}`);
  const columnSelect = h('select', { 'data-testid': 'filter-column', 'aria-label': app.t('filter_column') }, h('option', { value: '' }, '—'), ...p.columns.map((c) => h('option', { value: c.name, selected: c.name === state.column }, c.name)));
  const valueInput = h('input', { type: 'text', value: state.value, placeholder: app.t('filter_value'), 'data-testid': 'filter-value', 'aria-label': app.t('filter_value') });
  const filter = h(
    'form',
    {
      class: 'range',
      onsubmit: (e: Event) => {
        e.preventDefault();
        state.column = columnSelect.value;
        state.value = valueInput.value;
        rerender();
      },
    },
    columnSelect,
    valueInput,
    h('button', { type: 'submit', 'data-testid': 'filter-apply' }, app.t('filter')),
  );
  const key = state.key;
  const download = h('button', { 'data-testid': 'download-csv' }, app.t('download_csv'));
  download.addEventListener('click', async () => {
    // A fetch (not a plain link) so that the API key header goes along when one is needed.
    const blob = await getBlob(`api/lake/${state.bucket}/download?${new URLSearchParams({ key })}`);
    // Named like the API's attachment: the whole key, `fact_achats/month=2026-01.parquet` → `fact_achats_month_2026-01.csv`.
    const a = h('a', { href: URL.createObjectURL(blob), download: `${key.replace(/\.(csv|parquet)$/i, '')}.csv`.replace(/[^\w.-]/g, '_') });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  });
  const names = p.columns.map((c) => c.name);
  return section(
    `${app.t('preview')} — ${state.bucket}/${p.key} (${app.number(p.total_rows, 0)} ${app.t('rows')})`,
    h('div', { class: 'toolbar' }, filter, download),
    h('p', { class: 'muted' }, p.columns.map((c) => `${c.name}: ${c.type}`).join(' · ')),
    table(names, p.rows.map((r) => names.map((n) => cell(r[n]))), { 'data-testid': 'table-preview' }),
  );
}

function cell(value: string | number | boolean | null | undefined): string | number | null {
  return typeof value === 'boolean' ? String(value) : (value ?? null);
}

async function view(app: App, rerender: () => void): Promise<HTMLElement> {
  const [lake, objects] = await Promise.all([getJson<{ buckets: Bucket[] }>('api/lake'), getJson<{ objects: ObjectInfo[] }>(`api/lake/${state.bucket}`)]);
  const buckets = h(
    'div',
    { class: 'segmented' },
    ...lake.buckets.map((b) =>
      h(
        'button',
        { class: b.name === state.bucket ? 'active' : undefined, 'data-testid': `bucket-${b.name}`, onclick: () => ((state.bucket = b.name), (state.key = null), rerender()) },
        `${b.name} (${b.objects})`,
      ),
    ),
  );
  const list = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': 'table-objects' },
      h('thead', {}, h('tr', {}, h('th', {}, app.t('key')), h('th', {}, app.t('size')), h('th', {}, app.t('modified')))),
      h(
        'tbody',
        {},
        ...objects.objects.map((o) =>
          h(
            'tr',
            {},
            h(
              'td',
              {},
              o.format === 'other'
                ? o.key
                : h('a', { href: '#explorateur', 'data-testid': `object-${o.key}`, onclick: (e: Event) => (e.preventDefault(), (state.key = o.key), (state.column = ''), (state.value = ''), rerender()) }, o.key),
            ),
            h('td', { class: 'num' }, bytes(o.size)),
            h('td', {}, app.date(o.modified)),
          ),
        ),
      ),
    ),
  );
  let preview: HTMLElement;
  try {
    preview = await previewView(app, rerender);
  } catch (err) {
    preview = app.stateFor(err, rerender);
  }
  return h('div', {}, section(app.t('buckets'), buckets), section(`${app.t('objects')} — ${state.bucket}`, list), preview);
}

const tab: Tab = {
  id: 'explorateur',
  title: (app) => app.t('tab_explorateur'),
  render: (app) => interactive(app, view),
};
export default tab;
