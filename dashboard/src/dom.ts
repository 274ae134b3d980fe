type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Creates an element: attributes (on* become listeners), then children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
  return el;
}

/** A table; `numeric[i]` right-aligns column i (numbers are right-aligned anyway). */
export function table(headers: string[], rows: (string | number | null)[][], attrs: Attrs = {}, numeric: boolean[] = []): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h('thead', {}, h('tr', {}, ...headers.map((x, i) => h('th', { class: numeric[i] ? 'num' : undefined }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: typeof c === 'number' || numeric[i] ? 'num' : undefined }, c === null ? '—' : c))))),
    ),
  );
}

export function card(label: string, value: string, testId?: string): HTMLElement {
  return h('div', { class: 'card', 'data-testid': testId }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, value));
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}
