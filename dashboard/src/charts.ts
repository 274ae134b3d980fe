import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

const live = new Set<echarts.ECharts>();
const observer = new ResizeObserver((entries) => {
  for (const e of entries) echarts.getInstanceByDom(e.target as HTMLElement)?.resize();
});

/** A chart in a sized box; it follows the box's size and is disposed when the view changes. */
export function chart(option: ChartOption, testId?: string): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart';
  if (testId) box.dataset['testid'] = testId;
  // ECharts needs the element in the document with a size: initialise on the next frame.
  requestAnimationFrame(() => {
    if (!box.isConnected) return;
    const instance = echarts.init(box);
    // Legends go on top so they never sit on the x axis labels or the zoom slider.
    const legend = option['legend'] ? { top: 0, ...(option['legend'] as object) } : undefined;
    instance.setOption({ animation: false, tooltip: { trigger: 'axis' }, grid: { left: 64, right: 64, top: 48, bottom: 48, containLabel: false }, ...option, ...(legend ? { legend } : {}) });
    live.add(instance);
    observer.observe(box);
    box.dataset['ready'] = 'true';
  });
  return box;
}

export function disposeCharts(): void {
  for (const c of live) {
    observer.unobserve(c.getDom());
    c.dispose();
  }
  live.clear();
}
