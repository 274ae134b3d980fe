import type { ECharts, EChartsCoreOption } from 'echarts/core';

export type ChartOption = EChartsCoreOption;

type Engine = (typeof import('./echarts'))['echarts'];
let engine: Promise<Engine> | undefined;

/**
 * ECharts, from its own chunk (./echarts.ts): fetched once, by the first chart or by a view that will
 * draw some (to fetch it alongside its data), never before the first paint.
 */
export function loadCharts(): Promise<Engine> {
  if (!engine) {
    engine = import('./echarts').then((m) => m.echarts);
    // A failed fetch (offline, a server redeployed since the page loaded) is tried again by the next chart.
    engine.catch(() => (engine = undefined));
  }
  return engine;
}

const live = new Set<ECharts>();
let observer: ResizeObserver | undefined;

/** A chart in a sized box; it follows the box's size and is disposed when the view changes. */
export function chart(option: ChartOption, testId?: string): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart';
  if (testId) box.dataset['testid'] = testId;
  // ECharts needs the element in the document with a size: initialise on the next frame, once loaded.
  loadCharts().then(
    (echarts) => requestAnimationFrame(() => draw(echarts, box, option)),
    (err: unknown) => box.replaceChildren(chartError(err)),
  );
  return box;
}

function draw(echarts: Engine, box: HTMLElement, option: ChartOption): void {
  if (!box.isConnected) return;
  observer ??= new ResizeObserver((entries) => {
    for (const e of entries) echarts.getInstanceByDom(e.target as HTMLElement)?.resize();
  });
  const instance = echarts.init(box);
  // Legends go on top so they never sit on the x axis labels or the zoom slider.
  const legend = option['legend'] ? { top: 0, ...(option['legend'] as object) } : undefined;
  instance.setOption({ animation: false, tooltip: { trigger: 'axis' }, grid: { left: 64, right: 64, top: 48, bottom: 48, containLabel: false }, ...option, ...(legend ? { legend } : {}) });
  live.add(instance);
  observer.observe(box);
  box.dataset['ready'] = 'true';
}

function chartError(err: unknown): HTMLElement {
  const p = document.createElement('p');
  p.className = 'state error';
  p.textContent = err instanceof Error ? err.message : String(err);
  return p;
}

export function disposeCharts(): void {
  for (const c of live) {
    observer?.unobserve(c.getDom());
    c.dispose();
  }
  live.clear();
}
