import './style.css';
import { App, type Tab } from './app';
import { disposeCharts } from './charts';
import { h } from './dom';
import accueil from './tabs/accueil';
import explorateur from './tabs/explorateur';
import { kpiTab } from './tabs/kpi-tab';
import qualite from './tabs/qualite';
import runs from './tabs/runs';

/** The tabs: home, one per tab the project declares (or per KPI), then quality, explorer and runs. */
const app = new App();
const root = document.getElementById('app')!;
let renderToken = 0;

function tabs(): Tab[] {
  return [accueil, ...(app.project?.tabs ?? []).map(kpiTab), qualite, explorateur, runs];
}

function currentTab(all: Tab[]): Tab {
  const id = location.hash.replace(/^#/, '');
  return all.find((t) => t.id === id) ?? all[0]!;
}

async function render(): Promise<void> {
  const token = ++renderToken;
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
    if (!app.project) await app.loadProject();
  } catch (err) {
    if (token === renderToken) main.replaceChildren(app.stateFor(err, () => void render()));
    return;
  }
  const all = tabs();
  const tab = currentTab(all);
  document.title = `${tab.title(app)} · ${app.l(app.project!.title)}`;
  const nav = h(
    'nav',
    { class: 'tabs', role: 'tablist' },
    ...all.map((t) => h('a', { href: `#${t.id}`, role: 'tab', class: t === tab ? 'active' : undefined, 'aria-selected': t === tab ? 'true' : 'false', 'data-testid': `tab-${t.id}` }, t.title(app))),
  );
  main.setAttribute('data-testid', `view-${tab.id}`);
  root.replaceChildren(header(), nav, main);
  try {
    const view = await tab.render(app);
    if (token === renderToken) main.replaceChildren(view);
  } catch (err) {
    if (token === renderToken) main.replaceChildren(app.stateFor(err, () => void render()));
  }
}

app.onChange = () => void render();
window.addEventListener('hashchange', () => void render());
void render();
