import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { Schemas } from '../../api/client';

type Point = Schemas['TrafficPointView'];

const SERIES: { key: keyof Omit<Point, 't'>; label: string; stroke: string }[] = [
  { key: 'allowed', label: 'allowed', stroke: '#2f9e44' },
  { key: 'rejected', label: 'rejected', stroke: '#e03131' },
  { key: 'degraded', label: 'degraded', stroke: '#f08c00' },
  { key: 'circuitOpen', label: 'circuit open', stroke: '#862e9c' },
  { key: 'shadowWouldReject', label: 'shadow would reject', stroke: '#868e96' },
];

const columns = (points: Point[]): uPlot.AlignedData => [
  points.map((p) => p.t),
  ...SERIES.map((s) => points.map((p) => p[s.key])),
];

/** Decisions per second of one rule, one line per outcome (uPlot: small, fast, canvas). */
export function TrafficChart({ points, width = 900 }: { points: Point[]; width?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>(undefined);

  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot(
      {
        width,
        height: 260,
        scales: { x: { time: true } },
        axes: [{}, { label: 'decisions / s' }],
        series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
      },
      columns([]),
      box.current,
    );
    return () => plot.current?.destroy();
  }, [width]);

  useEffect(() => plot.current?.setData(columns(points)), [points]);

  return <div ref={box} role="img" aria-label="Decisions per second" data-testid="traffic-chart" />;
}
