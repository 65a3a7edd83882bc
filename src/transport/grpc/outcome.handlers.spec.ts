import { Readable } from 'node:stream';
import { BreakerService, RawOutcome, ReportSummary } from '../../services/breaker.service';
import { outcomeHandlers } from './outcome.handlers';

/** Stands in for the breaker service: each report waits until the test lets it finish. */
class HeldReports {
  readonly pending: (() => void)[] = [];
  report(raws: RawOutcome[]): Promise<ReportSummary> {
    return new Promise((resolve) =>
      this.pending.push(() =>
        resolve({ accepted: raws.length, ignoredNoRule: 0, ignoredBreakerDisabled: 0 }),
      ),
    );
  }
}

describe('StreamOutcomes', () => {
  it('reads one batch at a time: a fast sender waits while a batch is applied', async () => {
    const reports = new HeldReports();
    const { StreamOutcomes } = outcomeHandlers(reports as unknown as BreakerService);
    let read = 0;
    const batches = Array.from({ length: 100 }, () => ({
      outcomes: [{ department: 'cs', grade: '2023', success: true }],
    }));
    const call = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        read++;
        this.push(batches.shift() ?? null);
      },
    });
    const answered = new Promise<unknown>((resolve) =>
      (StreamOutcomes as (c: unknown, cb: (e: unknown, r: unknown) => void) => void)(call, (e, r) =>
        resolve(e ?? r),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(reports.pending).toHaveLength(1);
    expect(read).toBeLessThanOrEqual(3);
    while (reports.pending.length) {
      reports.pending.shift()?.();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await answered).toEqual({
      accepted: 100,
      ignored_no_rule: 0,
      ignored_breaker_disabled: 0,
    });
  });
});
