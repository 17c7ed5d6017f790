import { type ChartOption, useEChart } from '../lib/useEChart.ts';

export interface ChartProps {
  option: ChartOption;
  label: string;
  testId?: string;
  height?: number;
  /** A bar was clicked: the index of its category. */
  onPick?: (index: number) => void;
}

/** An echarts chart of a fixed height (CSS class `chart`), following the option and its box's size. */
export default function EChart({ option, label, testId, height, onPick }: ChartProps) {
  const ref = useEChart(option, onPick);
  return <div className="chart" ref={ref} role="img" aria-label={label} data-testid={testId} style={height ? { height } : undefined} />;
}
