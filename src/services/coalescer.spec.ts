import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  afterEach(() => jest.useRealTimers());

  it('starts every item at once with no window', async () => {
    const started: number[] = [];
    const c = new Coalescer(0, async (n: number) => (started.push(n), n * 2));
    const answers = [c.submit(1), c.submit(2)];
    expect(started).toEqual([1, 2]);
    await expect(Promise.all(answers)).resolves.toEqual([2, 4]);
  });

  it('holds items until the window closes, then starts them together', async () => {
    jest.useFakeTimers();
    const started: number[] = [];
    const c = new Coalescer(1, async (n: number) => {
      if (n < 0) throw new Error('bad');
      started.push(n);
      return n;
    });
    const a = c.submit(1);
    const b = c.submit(-1);
    expect(started).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(started).toEqual([1]);
    await expect(a).resolves.toBe(1);
    await expect(b).rejects.toThrow('bad');
    c.submit(3);
    jest.advanceTimersByTime(1);
    expect(started).toEqual([1, 3]);
  });
});
