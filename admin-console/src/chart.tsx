import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
  /** 'y2': the right-hand axis (a second unit, such as milliseconds beside counts) */
  scale?: 'y' | 'y2';
  bars?: boolean;
}

/**
 * A uPlot time chart (x in seconds since the epoch). uPlot draws on a canvas, so the figure is described for screen
 * readers by `summary` (role="img"), and each page shows the same numbers in a table beside it.
 */
export function TimeChart({
  id,
  title,
  summary,
  x,
  xRange,
  series,
  yLabel,
  y2Label,
}: {
  id: string;
  title: string;
  summary: string;
  x: number[];
  /** the whole period asked for, in seconds: a few points stay where they belong instead of filling the width */
  xRange: [number, number];
  series: ChartSeries[];
  yLabel: string;
  y2Label?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const width = Math.max(320, host.current.clientWidth || 720);
    const axes: uPlot.Axis[] = [{}, { label: yLabel, scale: 'y' }];
    if (y2Label) axes.push({ label: y2Label, scale: 'y2', side: 1, grid: { show: false } });
    const plot = new uPlot(
      {
        width,
        height: 260,
        legend: { show: true },
        scales: { x: { time: true, range: () => xRange }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes,
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: s.bars ? `${s.color}55` : undefined,
            width: 2,
            scale: s.scale ?? 'y',
            paths: s.bars ? uPlot.paths.bars?.({ size: [0.6, 40] }) : undefined,
            points: { show: x.length < 3 },
          })),
        ],
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      host.current,
    );
    return () => plot.destroy();
  }, [x, xRange, series, yLabel, y2Label]);
  return (
    <figure class="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div id={id} ref={host} role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} data-points={x.length} />
      <p id={`${id}-summary`} class="muted">
        {summary}
      </p>
    </figure>
  );
}
