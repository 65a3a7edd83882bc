import { InFlight } from './in-flight';

describe('InFlight', () => {
  it('refuses work past its limit with OVERLOADED and frees units when work ends', async () => {
    const limit = new InFlight(4, 'decisions');
    let release!: () => void;
    const held = limit.run(1, () => new Promise<void>((r) => (release = r)));
    await expect(limit.run(4, async () => 'x')).rejects.toMatchObject({ code: 'OVERLOADED' });
    await expect(limit.run(2, async () => 'fits')).resolves.toBe('fits');
    release();
    await held;
    expect(limit.count).toBe(0);
  });

  it('keeps a quarter of its room for single units: batches cannot starve them', async () => {
    const limit = new InFlight(100, 'decisions');
    const releases: (() => void)[] = [];
    const batch = () => limit.run(25, () => new Promise<void>((r) => releases.push(r)));
    const batches = [batch(), batch(), batch()];
    await expect(limit.run(25, async () => 'x')).rejects.toMatchObject({
      message: 'too many decisions in flight (75 of at most 100); retry with backoff',
    });
    await expect(limit.run(1, async () => 'single')).resolves.toBe('single');
    for (const r of releases) r();
    await Promise.all(batches);
  });
});

describe('InFlight acquire / release', () => {
  it('holds units until released, refusing past the limit', () => {
    const limit = new InFlight(2, 'decisions');
    limit.acquire(1);
    limit.acquire(1);
    expect(() => limit.acquire(1)).toThrow(expect.objectContaining({ code: 'OVERLOADED' }));
    limit.release(1);
    expect(limit.hasRoomFor(1)).toBe(true);
    expect(limit.count).toBe(1);
  });
});
