/**
 * SVG plots for the benchmarks, drawn by Vega-Lite (compiled to Vega, rendered headless to SVG:
 * no browser, no canvas). Each benchmark writes its plot next to its table under docs/bench/ (linked from BENCHMARKS.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { View, parse } from 'vega';
import { TopLevelSpec, compile } from 'vega-lite';

export interface PlotOptions {
  title: string;
  x: { field: string; title: string; log?: boolean };
  y: { field: string; title: string; log?: boolean };
  /** Field that splits the data into one line (or bar group) per value. */
  series?: string;
  mark?: 'line' | 'bar';
}

export async function writePlot(
  path: string,
  rows: Record<string, number | string>[],
  options: PlotOptions,
): Promise<void> {
  const axis = (a: PlotOptions['x'], type: 'quantitative' | 'ordinal') => ({
    field: a.field,
    type,
    title: a.title,
    // Long category names (server names) in full, slanted, instead of cut off with an ellipsis.
    ...(type === 'ordinal' ? { axis: { labelLimit: 0, labelAngle: -30 } } : {}),
    ...(a.log ? { scale: { type: 'log' as const } } : {}),
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: 520,
    height: 300,
    data: { values: rows },
    mark: options.mark === 'bar' ? { type: 'bar' } : { type: 'line', point: true },
    encoding: {
      x: axis(options.x, options.mark === 'bar' ? 'ordinal' : 'quantitative'),
      y: axis(options.y, 'quantitative'),
      ...(options.series ? { color: { field: options.series, type: 'nominal' as const } } : {}),
    },
  };
  const svg = await new View(parse(compile(spec).spec), { renderer: 'none' }).toSVG();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
}
