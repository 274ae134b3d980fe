import './style.css';
import { App, type Tab } from './app';
import { disposeCharts } from './charts';
import { h } from './dom';
import accueil from './tabs/accueil';
import caPays from './tabs/ca-pays';
import croissance from './tabs/croissance';
import distribution from './tabs/distribution';
import explorateur from './tabs/explorateur';
import qualite from './tabs/qualite';
import runs from './tabs/runs';
import volumes from './tabs/volumes';

const TABS: Tab[] = [accueil, caPays, volumes, croissance, distribution, qualite, explorateur, runs];
const app = new App();
const root = document.getElementById('app')!;
let renderToken = 0;

function currentTab(): Tab {
  const id = location.hash.replace(/^#/, '');
  return TABS.find((t) => t.id === id) ?? TABS[0]!;
}

async function render(): Promise<void> {
  const token = ++renderToken;
  const tab = currentTab();
  disposeCharts();
  document.documentElement.lang = app.lang;
  document.title = `${app.t(tab.title)} · Data Lake`;
  const nav = h(
    'nav',
    { class: 'tabs', role: 'tablist' },
    ...TABS.map((t) => h('a', { href: `#${t.id}`, role: 'tab', class: t === tab ? 'active' : undefined, 'aria-selected': t === tab ? 'true' : 'false', 'data-testid': `tab-${t.id}` }, app.t(t.title))),
  );
  const langSwitch = h(
    'div',
    { class: 'lang' },
    ...(['fr', 'en'] as const).map((l) => h('button', { class: app.lang === l ? 'active' : undefined, 'data-testid': `lang-${l}`, onclick: () => app.setLang(l) }, l.toUpperCase())),
  );
  const main = h('main', { 'data-testid': `view-${tab.id}` }, h('p', { class: 'loading' }, app.t('loading')));
  root.replaceChildren(h('header', {}, h('h1', {}, app.t('title')), langSwitch), nav, main);
  try {
    if (app.kpis.length === 0) await app.loadRegistry();
    const view = await tab.render(app);
    if (token === renderToken) main.replaceChildren(view);
  } catch (err) {
    if (token === renderToken) main.replaceChildren(app.stateFor(err, () => void render()));
  }
}

app.onChange = () => void render();
window.addEventListener('hashchange', () => void render());
void render();
