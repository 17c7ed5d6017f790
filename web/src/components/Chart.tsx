import { lazy, Suspense } from 'react';
import type { ChartProps } from './EChart.tsx';

// echarts is loaded with the first chart shown, not with the app.
const EChart = lazy(() => import('./EChart.tsx'));

export function Chart(props: ChartProps) {
  return (
    <Suspense fallback={<div className="chart chart-loading" style={props.height ? { height: props.height } : undefined} />}>
      <EChart {...props} />
    </Suspense>
  );
}
