import { ReadinessTransitions } from './readiness-log';

describe('ReadinessTransitions', () => {
  it('reports each change once, per probe', () => {
    const t = new ReadinessTransitions();
    expect(t.observe('/readyz', undefined)).toBeUndefined();
    expect(t.observe('/readyz', ['redis: unreachable'])).toBe('not-ready');
    expect(t.observe('/readyz', ['redis: unreachable'])).toBeUndefined();
    expect(t.observe('/readyz', ['redis: unreachable'])).toBeUndefined();
    expect(t.observe('/readyz', ['redis: unreachable', 'shutting down'])).toBe('not-ready');
    expect(t.observe('/readyz?strict=true', ['etcd: not synced'])).toBe('not-ready');
    expect(t.observe('/readyz', undefined)).toBe('ready');
    expect(t.observe('/readyz', undefined)).toBeUndefined();
    expect(t.observe('/readyz', ['redis: unreachable'])).toBe('not-ready');
  });
});
