import { getBlob, getJson, type Schemas } from '../api';
import { interactive, type App, type Tab } from '../app';
import { addressOf } from '../address';
import { h, section, table } from '../dom';

type Bucket = Schemas['LakeSummary']['buckets'][number];
type ObjectInfo = Schemas['ObjectList']['objects'][number];
type Preview = Schemas['Preview'];

/** The explorer's state lives in the address (`#explorateur?bucket=silver&key=…&column=pays&value=France`): a link opens the same object and filter. */
interface State {
  bucket: string;
  key: string | null;
  column: string;
  value: string;
}
const DEFAULT_BUCKET = 'gold';

function stateOf(params: URLSearchParams): State {
  return { bucket: params.get('bucket') || DEFAULT_BUCKET, key: params.get('key') || null, column: params.get('column') ?? '', value: params.get('value') ?? '' };
}

/** Only what differs from the defaults is written. */
function paramsOf(s: State): URLSearchParams {
  const p = new URLSearchParams();
  if (s.bucket !== DEFAULT_BUCKET) p.set('bucket', s.bucket);
  if (s.key) p.set('key', s.key);
  if (s.key && s.column && s.value) {
    p.set('column', s.column);
    p.set('value', s.value);
  }
  return p;
}

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

async function previewView(app: App, state: State): Promise<HTMLElement> {
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
        app.go(paramsOf({ ...state, column: columnSelect.value, value: valueInput.value }));
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
  let state = stateOf(app.params);
  const lake = await getJson<{ buckets: Bucket[] }>('api/lake');
  // An address naming no bucket of the lake opens the default one, and says so by its address.
  if (!lake.buckets.some((b) => b.name === state.bucket)) state = { bucket: DEFAULT_BUCKET, key: null, column: '', value: '' };
  app.settle(paramsOf(state));
  const objects = await getJson<{ objects: ObjectInfo[] }>(`api/lake/${state.bucket}`);
  const buckets = h(
    'div',
    { class: 'segmented' },
    ...lake.buckets.map((b) =>
      h(
        'button',
        { class: b.name === state.bucket ? 'active' : undefined, 'data-testid': `bucket-${b.name}`, onclick: () => app.go(paramsOf({ bucket: b.name, key: null, column: '', value: '' })) },
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
                : h('a', { href: addressOf('explorateur', paramsOf({ bucket: state.bucket, key: o.key, column: '', value: '' })), 'data-testid': `object-${o.key}`, onclick: (e: Event) => (e.preventDefault(), app.go(paramsOf({ bucket: state.bucket, key: o.key, column: '', value: '' }))) }, o.key),
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
    preview = await previewView(app, state);
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
