import { readFileSync } from 'node:fs';
import { MetricsService } from '../../src/observability/metrics.service';

/** The Grafana dashboard only queries metrics the service really exports (names drift otherwise). */
describe('deploy/grafana/rule-center.json', () => {
  it('uses only metric names the service registers', async () => {
    const dashboard = JSON.parse(readFileSync('deploy/grafana/rule-center.json', 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exported = new Set(
      (await new MetricsService().registry.getMetricsAsJSON()).map((m) => m.name),
    );
    const used = new Set(
      dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) =>
          [
            ...t.expr.matchAll(
              /\b((?:rulecenter|process|nodejs)_[a-z0-9_]+?)(?:_bucket|_sum|_count)?\b/g,
            ),
          ].map((m) => m[1]),
        ),
      ),
    );
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(exported).toContain(name);
  });
});
