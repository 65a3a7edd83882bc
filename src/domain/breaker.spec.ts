import { BreakerMachine, Transition } from './breaker';
import { acceptanceBreaker } from '../../test/support/fixtures';

const settings = acceptanceBreaker(30_000, 5);
const fail = (n: number) => ({ total: n, failures: n, slow: 0 });
const ok = (n: number) => ({ total: n, failures: 0, slow: 0 });

describe('breaker state machine (fake clock)', () => {
  it('stays closed below minRequests even at 100 % errors', () => {
    const b = new BreakerMachine(settings);
    expect(b.record(1000, fail(19))).toBeUndefined();
    expect(b.state).toBe('CLOSED');
  });

  it('opens when the error rate reaches the threshold with enough requests, and says why', () => {
    const b = new BreakerMachine(settings);
    b.record(1000, ok(10));
    const t = b.record(2000, fail(10));
    expect(t).toEqual<Transition>({
      from: 'CLOSED',
      to: 'OPEN',
      figures: { total: 20, errorRate: 0.5, slowRate: 0 },
    });
    expect(b.gate(2001)).toEqual({ pass: false, retryAfterMs: 29_999 });
  });

  it('forgets outcomes older than the stat window', () => {
    const b = new BreakerMachine(settings);
    b.record(0, fail(15));
    expect(b.record(11_000, fail(10))).toBeUndefined(); // the first 15 fell out of the window
    expect(b.state).toBe('CLOSED');
    expect(b.record(12_000, fail(10))?.to).toBe('OPEN');
  });

  it('opens on the slow-call rate: P99 above slowCallMs with threshold 0.01', () => {
    const b = new BreakerMachine({ ...settings, minRequests: 100 });
    expect(b.record(0, { total: 100, failures: 0, slow: 0 })).toBeUndefined();
    expect(b.record(1, { total: 100, failures: 0, slow: 1 })).toBeUndefined(); // 1 of 200: 0.5 %, P99 still under
    expect(b.record(2, { total: 100, failures: 0, slow: 2 })?.to).toBe('OPEN'); // 3 of 300 = 1 %
  });

  it('half-opens after openMs and lets exactly halfOpenMaxCalls probes through', () => {
    const b = new BreakerMachine(settings);
    b.record(0, fail(20));
    expect(b.gate(29_999).pass).toBe(false);
    const transitions: Transition[] = [];
    const gates = Array.from({ length: 7 }, () => b.gate(30_000, (t) => transitions.push(t)).pass);
    expect(gates).toEqual([true, true, true, true, true, false, false]);
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['OPEN>HALF_OPEN']);
  });

  it('closes after halfOpenMaxCalls successful probes', () => {
    const b = new BreakerMachine(settings);
    b.record(0, fail(20));
    for (let i = 0; i < 5; i++) b.gate(30_000);
    expect(b.record(30_100, ok(4))).toBeUndefined();
    expect(b.record(30_200, ok(1))?.to).toBe('CLOSED');
    expect(b.gate(30_300)).toEqual({ pass: true, probe: false });
  });

  it('opens again on any failed probe, for another openMs', () => {
    const b = new BreakerMachine(settings);
    b.record(0, fail(20));
    b.gate(30_000);
    expect(b.record(30_050, { total: 1, failures: 0, slow: 1 })?.to).toBe('OPEN');
    expect(b.gate(59_000).pass).toBe(false);
    expect(b.gate(60_050).pass).toBe(true);
  });

  it('gives a probe slot back when the probe was rate limited', () => {
    const b = new BreakerMachine({ ...settings, halfOpenMaxCalls: 1 });
    b.record(0, fail(20));
    expect(b.gate(30_000).pass).toBe(true);
    b.returnProbe();
    expect(b.gate(30_001).pass).toBe(true);
    expect(b.gate(30_002).pass).toBe(false);
  });
});
