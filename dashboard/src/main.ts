import './style.css';
import type { Label } from './api';
import { addressOf, parseAddress } from './address';
import { App, redrawOf, type Tab } from './app';
import { disposeCharts } from './charts';
import { h } from './dom';

/**
 * Each tab's code is a chunk of its own, fetched when the tab is first shown (and the charts' code,
 * ECharts, only with the first chart): the first paint waits for none of it.
 */
const TAB_CODE = {
  accueil: () => import('./tabs/accueil'),
  qualite: () => import('./tabs/qualite'),
  explorateur: () => import('./tabs/explorateur'),
  runs: () => import('./tabs/runs'),
};
const kpiTabCode = () => import('./tabs/kpi-tab');

function builtIn(id: keyof typeof TAB_CODE): Tab {
  return { id, title: (app) => app.t(`tab_${id}`), render: async (app) => (await TAB_CODE[id]()).default.render(app) };
}

/** A tab the project declares: titled from its declaration, drawn by tabs/kpi-tab.ts. */
function kpiTab(spec: { id: string; title: Label; kpis: string[] }): Tab {
  return { id: spec.id, title: (app) => app.l(spec.title), render: async (app) => (await kpiTabCode()).kpiTab(spec).render(app) };
}

const accueil = builtIn('accueil');
const qualite = builtIn('qualite');
const explorateur = builtIn('explorateur');
const runs = builtIn('runs');

/** The tabs: home, one per tab the project declares (or per KPI), then quality, explorer and runs. */
const app = new App();
const root = document.getElementById('app')!;
let renderToken = 0;
/** The address whose view is drawn (or being drawn): the `popstate` and `hashchange` of one move redraw once. */
let drawn: string | undefined;
/** The tab drawn, and how to redraw its view in place for another state (undefined until drawn, or when it cannot). */
let shownTab: Tab | undefined;
let redrawShown: (() => void) | undefined;
/** Each tab's last state, for its link in the tabs: going back to a tab finds it as it was left. */
const lastState = new Map<string, string>();

function tabs(): Tab[] {
  return [accueil, ...(app.project?.tabs ?? []).map(kpiTab), qualite, explorateur, runs];
}

/** Starts fetching the code of the tab the address names while the project loads (a declared tab is kpi-tab's). */
function prefetchTab(): void {
  const id = parseAddress(location.hash).tab || 'accueil';
  const code = Object.hasOwn(TAB_CODE, id) ? TAB_CODE[id as keyof typeof TAB_CODE] : kpiTabCode;
  code().catch(() => undefined);
}

function currentTab(all: Tab[]): Tab {
  const id = parseAddress(location.hash).tab;
  return all.find((t) => t.id === id) ?? all[0]!;
}

/** Remembers a tab's state, and puts it in the tab's link. */
function remember(tab: string, params: URLSearchParams): void {
  lastState.set(tab, params.toString());
  root.querySelector(`nav.tabs a[data-testid="tab-${CSS.escape(tab)}"]`)?.setAttribute('href', addressOf(tab, params));
}

async function render(): Promise<void> {
  const token = ++renderToken;
  drawn = location.hash;
  app.params = parseAddress(location.hash).params;
  shownTab = undefined;
  redrawShown = undefined;
  // A tab chosen from the keyboard keeps the focus on the tabs.
  const tabsFocused = document.activeElement?.closest('nav.tabs') != null;
  disposeCharts();
  document.documentElement.lang = app.lang;
  const main = h('main', {}, h('p', { class: 'loading' }, app.t('loading')));
  const langSwitch = h(
    'div',
    { class: 'lang' },
    ...(['fr', 'en'] as const).map((l) => h('button', { class: app.lang === l ? 'active' : undefined, 'data-testid': `lang-${l}`, onclick: () => app.setLang(l) }, l.toUpperCase())),
  );
  const header = () => h('header', {}, h('h1', { 'data-testid': 'project-title' }, app.project ? app.l(app.project.title) : app.t('title')), langSwitch);
  root.replaceChildren(header(), main);
  try {
    if (!app.project) {
      prefetchTab();
      await app.loadProject();
    }
  } catch (err) {
    if (token === renderToken) main.replaceChildren(app.stateFor(err, () => void render()));
    return;
  }
  const all = tabs();
  const tab = currentTab(all);
  shownTab = tab;
  lastState.set(tab.id, app.params.toString());
  document.title = `${tab.title(app)} · ${app.l(app.project!.title)}`;
  const nav = h(
    'nav',
    { class: 'tabs', role: 'tablist' },
    ...all.map((t) => h('a', { href: addressOf(t.id, lastState.get(t.id)), role: 'tab', class: t === tab ? 'active' : undefined, 'aria-selected': t === tab ? 'true' : 'false', 'data-testid': `tab-${t.id}` }, t.title(app))),
  );
  main.setAttribute('data-testid', `view-${tab.id}`);
  root.replaceChildren(header(), nav, main);
  if (tabsFocused) nav.querySelector<HTMLElement>('a.active')?.focus();
  try {
    const view = await tab.render(app);
    if (token === renderToken) {
      main.replaceChildren(view);
      redrawShown = redrawOf(view);
    }
  } catch (err) {
    if (token === renderToken) main.replaceChildren(app.stateFor(err, () => void render()));
  }
}

/**
 * The address changed (a tab's link, back or forward, a link pasted in the same page): its view is
 * drawn; in place when only the state of the tab shown changed.
 */
function show(): void {
  if (location.hash === drawn) return;
  const { tab, params } = parseAddress(location.hash);
  if (shownTab && redrawShown && tab === shownTab.id) {
    drawn = location.hash;
    app.params = params;
    remember(tab, params);
    redrawShown();
  } else void render();
}

app.go = (params) => {
  if (!shownTab) return;
  const address = addressOf(shownTab.id, params);
  if (address === location.hash) return;
  history.pushState(null, '', address);
  show();
};
app.settle = (params) => {
  if (!shownTab || parseAddress(location.hash).tab !== shownTab.id) return;
  const address = addressOf(shownTab.id, params);
  if (address !== location.hash) {
    history.replaceState(history.state, '', address);
    drawn = location.hash;
    app.params = params;
  }
  remember(shownTab.id, params);
};
app.onChange = () => void render();
window.addEventListener('hashchange', show);
window.addEventListener('popstate', show);
void render();
