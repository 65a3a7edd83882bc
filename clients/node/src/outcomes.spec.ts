import { OutcomeReporter } from './outcomes';
import { TargetPool } from './targets';

describe('OutcomeReporter', () => {
  it('keeps at most its capacity while nothing is sent, dropping (and counting) the oldest', () => {
    // A target nobody listens on: the queue is all there is.
    const pool = new TargetPool({ targets: ['127.0.0.1:9'] });
    const reporter = new OutcomeReporter(pool, 3, 60_000);
    for (let i = 0; i < 5; i++)
      reporter.report({ department: 'cs', grade: '2023', success: true, latencyMs: i });
    reporter.report({ department: 'CS', grade: '2023', success: true, latencyMs: 1 });
    expect(reporter.pending).toBe(3);
    expect(reporter.dropped).toBe(3); // two oldest, one malformed
    reporter.stop();
    pool.close();
  });
});
