import { decodeEntry, toRuleBody, toWindowSpec } from './stored-entry.codec';
import { CreateRuleDto } from './rule.schema';
import { validatePlain } from './validate';
import { CreateWindowDto } from './window.schema';

const base = { department: 'cs', grade: '2023', window: 'fall', limit: { qps: 80 } };

/** All problems a rule document has: field checks, then the semantic checks. */
function ruleProblems(doc: unknown): string[] {
  const v = validatePlain(CreateRuleDto, doc);
  if (!v.ok) return v.problems;
  const body = toRuleBody(v.value);
  return 'problems' in body ? body.problems : [];
}
function windowProblemsOf(doc: unknown): string[] {
  const v = validatePlain(CreateWindowDto, doc);
  if (!v.ok) return v.problems;
  const spec = toWindowSpec(v.value);
  return 'problems' in spec ? spec.problems : [];
}

describe('rule validation', () => {
  it('accepts a minimal rule and fills defaults', () => {
    const v = validatePlain(CreateRuleDto, base);
    expect(v.ok).toBe(true);
    const body = v.ok && toRuleBody(v.value);
    expect(body && 'body' in body && body.body.limit).toEqual({
      qps: 80,
      burst: 80,
      algorithm: 'sliding_window',
      windowMs: 1000,
      per: 'scope',
    });
  });

  it.each([
    ['a slash', 'cs/x'],
    ['dot-dot', '..'],
    ['a space', 'c s'],
    ['upper case', 'CS'],
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a NUL', 'cs\u0000'],
    ['a number', 42],
  ])('rejects a department with %s, naming the field', (_what, department) => {
    const problems = ruleProblems({ ...base, department });
    expect(problems.some((p) => p.startsWith('department '))).toBe(true);
  });

  it('accepts 64 characters and the wildcard', () => {
    expect(ruleProblems({ ...base, department: 'a'.repeat(64), grade: '*' })).toEqual([]);
  });

  it('rejects a wildcard window', () => {
    expect(ruleProblems({ ...base, window: '*' })[0]).toMatch(/^window must match/);
  });

  it.each([
    [{ ...base, bogus: 1 }, 'bogus is not a known field'],
    [{ ...base, limit: { qps: 80, extra: true } }, 'limit.extra is not a known field'],
    [{ ...base, limit: { qps: 0 } }, 'limit.qps must not be less than 0.001'],
    [{ ...base, limit: { qps: -5 } }, 'limit.qps must not be less than 0.001'],
    [
      { ...base, limit: { qps: '80' } },
      'limit.qps must be a number conforming to the specified constraints',
    ],
    [{ ...base, limit: { qps: 10, burst: 0 } }, 'limit.burst must not be less than 1'],
    [
      { ...base, limit: { qps: 10, algorithm: 'leaky' } },
      'limit.algorithm must be one of the following values: sliding_window, sliding_window_counter, fixed_window, token_bucket',
    ],
    [
      { ...base, limit: { qps: 50, windowMs: 3_600_000, per: 'client' } },
      'limit.qps × limit.windowMs / 1000 is 180000; the exact sliding_window keeps one Redis entry per admission and allows at most 100000 per window: lower qps or windowMs, or use algorithm "sliding_window_counter" (two counters per key, whatever the budget)',
    ],
    [
      { ...base, limit: { qps: 0.5, windowMs: 1000, algorithm: 'fixed_window' } },
      'limit.qps × limit.windowMs / 1000 must be at least 1 (a window must admit one request)',
    ],
    [
      { ...base, limit: { qps: 0.5, windowMs: 1000 } },
      'limit.qps × limit.windowMs / 1000 must be at least 1 (a window must admit one request)',
    ],
    [{ ...base, enabled: 'yes' }, 'enabled must be a boolean value'],
    [
      { ...base, onExceed: 'drop' },
      'onExceed must be one of the following values: reject, degrade',
    ],
    [
      { ...base, breaker: { errorRateThreshold: 2 } },
      'breaker.errorRateThreshold must not be greater than 1',
    ],
    [
      { ...base, coreResources: ['has space'] },
      'each value in coreResources must be 1–128 printable characters without spaces',
    ],
  ])('rejects %j with "%s"', (doc, message) => {
    expect(ruleProblems(doc)).toContain(message);
  });

  it.each(['sliding_window_counter', 'fixed_window'])(
    'takes %s, with no budget cap',
    (algorithm) => {
      expect(
        ruleProblems({
          ...base,
          limit: { qps: 50, windowMs: 3_600_000, algorithm, per: 'client' },
        }),
      ).toEqual([]);
    },
  );

  it('rejects a missing limit', () => {
    expect(ruleProblems({ department: 'cs', grade: '2023', window: 'fall' })).toContain(
      'limit should not be null or undefined',
    );
  });
});

describe('window validation', () => {
  it.each([
    [
      { name: 'w', timeRanges: [{ start: '08:00', end: '08:00' }] },
      'timeRanges.0.end must differ from timeRanges.0.start (an empty range would never be active)',
    ],
    [
      { name: 'w', timezone: 'Not/AZone' },
      'timezone must be an IANA time zone name such as "Asia/Shanghai"; got "Not/AZone"',
    ],
    [
      { name: 'w', timeRanges: [{ start: '8:00', end: '09:00' }] },
      'timeRanges.0.start must be HH:MM between 00:00 and 23:59',
    ],
    [{ name: 'w', daysOfWeek: [0] }, 'each value in daysOfWeek must not be less than 1'],
    [
      { name: 'W' },
      'name must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lower-case letters, digits, "_" and "-", at most 64 characters)',
    ],
    [{ name: 'w', color: 'red' }, 'color is not a known field'],
  ])('rejects %j with "%s"', (doc, message) => {
    expect(windowProblemsOf(doc)).toContain(message);
  });
});

describe('decoding values read from etcd', () => {
  it('decodes a rule with its identity from the key and revision from etcd', () => {
    const d = decodeEntry(
      'rules/cs/2023/fall',
      JSON.stringify({ limit: { qps: 5 }, updatedBy: 'ops' }),
      12,
    );
    expect(d.kind).toBe('change');
    if (d.kind === 'change' && d.change.kind === 'put-rule') {
      expect(d.change.rule).toMatchObject({
        department: 'cs',
        grade: '2023',
        window: 'fall',
        revision: 12,
        updatedBy: 'ops',
      });
    }
  });

  it.each([
    [
      'rules/cs/2023',
      '{"limit":{"qps":1}}',
      'rule key must be rules/{department}/{grade}/{window}',
    ],
    ['rules/CS/2023/any', '{"limit":{"qps":1}}', 'department must match'],
    ['rules/cs/2023/any', 'not json', 'value is not valid JSON'],
    ['rules/cs/2023/any', '[1]', 'value must be a JSON object'],
    ['rules/cs/2023/any', '{"limit":{"qps":"x"}}', 'limit.qps must be a number'],
    ['windows/x', '{"timezone":"Nowhere/City"}', 'timezone must be an IANA'],
  ])('rejects %s = %s', (key, value, problem) => {
    const d = decodeEntry(key, value, 3);
    expect(d.kind).toBe('invalid');
    expect(d.kind === 'invalid' && d.problems.join('\n')).toContain(problem);
  });

  it('ignores keys outside rules/ and windows/', () => {
    expect(decodeEntry('audit/123', '{}', 1).kind).toBe('ignored');
  });
});
