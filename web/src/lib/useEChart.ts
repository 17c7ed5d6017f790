import { BarChart, type BarSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { type RefObject, useEffect, useRef } from 'react';

// Only what the charts use is registered (bar charts on a grid, with tooltip and legend, drawn on a
// canvas), so the bundle carries that and nothing else of echarts. The module is loaded with the
// first chart (components/Chart.tsx), so pages without charts do not download it.
use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/**
 * Draws `option` into the returned element's ref; follows option changes and the element's size.
 * `onPick` hears the index of the category a bar was clicked in (a district, a month: the figure to
 * drill into).
 */
export function useEChart<E extends HTMLElement = HTMLDivElement>(option: ChartOption, onPick?: (index: number) => void): RefObject<E | null> {
  const ref = useRef<E>(null);
  const chart = useRef<EChartsType | null>(null);
  // The latest callback, read at the click: the chart is made once, its handlers with it.
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const c = init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (params) => {
      if (typeof params.dataIndex === 'number') pick.current?.(params.dataIndex);
    });
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return ref;
}
