import { ApiError, getJson, setApiKey, type ColumnMeta, type KpiMeta, type Label, type ProjectMeta, type Row } from './api';
import { h } from './dom';
import { translate, type Lang, type StringKey } from './i18n';

/** What every tab gets: the language, translations, number formats, the project and its KPIs. */
export class App {
  lang: Lang = (localStorage.getItem('datalake.lang') as Lang | null) ?? 'fr';
  kpis: KpiMeta[] = [];
  project: ProjectMeta | undefined;
  onChange: () => void = () => undefined;
  /** The state of the view in the address, after the tab (`#volumes?grain=volumes_mois` → grain): what the tab shows. */
  params = new URLSearchParams();
  /** Set by main.ts: a change the user made to the view's state, as a new history entry (back returns to the state before); the view is then redrawn. */
  go: (params: URLSearchParams) => void = () => undefined;
  /** Set by main.ts: the state the view shows once drawn (the values of the address it could not use left out), written into the address without a history entry. */
  settle: (params: URLSearchParams) => void = () => undefined;

  t = (key: StringKey) => translate(this.lang, key);

  /** A declared text in the current language. */
  l = (label: Label) => label[this.lang];

  setLang(lang: Lang): void {
    this.lang = lang;
    localStorage.setItem('datalake.lang', lang);
    document.documentElement.lang = lang;
    this.onChange();
  }

  private get locale(): string {
    return this.lang === 'fr' ? 'fr-FR' : 'en-GB';
  }

  number(value: number | null | undefined, digits = 2): string {
    return value === null || value === undefined ? '—' : new Intl.NumberFormat(this.locale, { maximumFractionDigits: digits }).format(value);
  }

  /** A value of a KPI column as shown: currencies (a 3-letter unit such as EUR) and other units from its declaration. */
  format(column: ColumnMeta, value: string | number | null | undefined): string {
    if (value === null || value === undefined) return '—';
    if (typeof value !== 'number') return String(value);
    const unit = column.unit;
    if (unit && /^[A-Z]{3}$/.test(unit)) return new Intl.NumberFormat(this.locale, { style: 'currency', currency: unit }).format(value);
    const n = this.number(value, column.type === 'integer' ? 0 : 2);
    return unit ? `${n}${unit === '%' ? ' %' : ` ${unit}`}` : n;
  }

  date(iso: string): string {
    return new Date(iso).toLocaleString(this.locale);
  }

  kpi(id: string): KpiMeta {
    const k = this.kpis.find((x) => x.id === id);
    if (!k) throw new ApiError('http', `KPI ${id} is not in the project`);
    return k;
  }

  column(kpi: KpiMeta, name: string): ColumnMeta {
    return kpi.columns.find((c) => c.name === name) ?? { name, type: 'string', label: { fr: name, en: name } };
  }

  /** A KPI's rows as a table, headers and formats from its declaration. */
  kpiTableRows(kpi: KpiMeta, rows: Row[]): { headers: string[]; cells: (string | number | null)[][]; numeric: boolean[] } {
    const cols = kpi.columns;
    return {
      headers: cols.map((c) => this.l(c.label)),
      numeric: cols.map((c) => c.type === 'integer' || c.type === 'number'),
      cells: rows.map((r) => cols.map((c) => (typeof r[c.name] === 'number' ? this.format(c, r[c.name]) : (r[c.name] ?? null)))),
    };
  }

  /** The project and its KPIs, once per page. */
  async loadProject(): Promise<void> {
    [this.project, this.kpis] = await Promise.all([getJson<ProjectMeta>('api/project'), getJson<KpiMeta[]>('api/kpis')]);
  }

  /** The empty, error or API-key view for a failed load. */
  stateFor(err: unknown, retry: () => void): HTMLElement {
    const e = err instanceof ApiError ? err : new ApiError('http', String(err));
    if (e.kind === 'not_published') {
      return h('div', { class: 'state empty', 'data-testid': 'state-empty' }, h('h2', {}, this.t('empty_title')), h('p', {}, h('code', {}, this.t('empty_text'))));
    }
    if (e.kind === 'unauthorized') {
      const input = h('input', { type: 'password', placeholder: this.t('api_key'), 'aria-label': this.t('api_key') });
      const form = h(
        'form',
        {
          class: 'state auth',
          'data-testid': 'state-auth',
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            setApiKey(input.value.trim());
            retry();
          },
        },
        h('p', {}, this.t('api_key_needed')),
        input,
        h('button', { type: 'submit' }, this.t('save')),
      );
      return form;
    }
    if (e.kind === 'unreachable') {
      return h(
        'div',
        { class: 'state error', 'data-testid': 'state-error' },
        h('h2', {}, this.t('error_title')),
        h('p', {}, this.t('error_text')),
        h('button', { onclick: retry }, this.t('retry')),
      );
    }
    return h('div', { class: 'state error', 'data-testid': 'state-error' }, h('p', {}, e.message), h('button', { onclick: retry }, this.t('retry')));
  }
}

export interface Tab {
  id: string;
  title(app: App): string;
  render(app: App): Promise<HTMLElement>;
}

const redraws = new WeakMap<HTMLElement, () => void>();

/** How to redraw a view of `interactive` in place (for another state of the same tab), else undefined. */
export function redrawOf(view: HTMLElement): (() => void) | undefined {
  return redraws.get(view);
}

/**
 * A view that redraws itself in place when its controls change (filters, buttons): `view` gets the
 * redraw function; a failed redraw shows the matching error state inside the view. Only the last
 * redraw asked for is shown, and the focus goes back to the control it was on (same data-testid).
 */
export async function interactive(app: App, view: (app: App, redraw: () => void) => Promise<HTMLElement>): Promise<HTMLElement> {
  const holder = h('div', {});
  let last = 0;
  const redraw = () => {
    const token = ++last;
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && holder.contains(active) ? active.dataset['testid'] : undefined;
    holder.setAttribute('aria-busy', 'true');
    const done = (el: HTMLElement) => {
      if (token !== last) return;
      holder.removeAttribute('aria-busy');
      holder.replaceChildren(el);
      if (focused) holder.querySelector<HTMLElement>(`[data-testid="${CSS.escape(focused)}"]`)?.focus();
    };
    view(app, redraw).then(done, (err) => done(app.stateFor(err, redraw)));
  };
  redraws.set(holder, redraw);
  holder.replaceChildren(await view(app, redraw));
  return holder;
}
