import { Rule, RuleId, applyRuleDefaults } from './rule';
import { RuleIndex } from './rule-index';
import { ANY_WINDOW_SPEC, TimeWindow, TimeWindowSpec, applyWindowDefaults } from './time-window';

const META = { revision: 1, createdAt: '', updatedAt: '', updatedBy: 'test' };
const rule = (id: string, extra: Partial<Rule> = {}): Rule => {
  const [department, grade, window] = id.split('/');
  const ruleId: RuleId = { department, grade, window };
  return { ...ruleId, ...applyRuleDefaults({ limit: { qps: 10 } }), ...META, ...extra };
};
const window = (name: string, spec: Partial<TimeWindowSpec>): TimeWindow => ({
  name,
  ...applyWindowDefaults(spec),
  ...META,
});

const ANY = { name: 'any', ...ANY_WINDOW_SPEC, ...META };
const FALL = window('fall', {
  dateRanges: [{ from: '2026-09-01', to: '2027-01-15' }],
  priority: 1,
});
const PEAK = window('peak', {
  dateRanges: [{ from: '2026-12-28', to: '2027-01-08' }],
  priority: 10,
});
const IN_PEAK = Date.UTC(2027, 0, 4, 3, 0);
const IN_FALL_ONLY = Date.UTC(2026, 10, 20, 3, 0);
const SUMMER = Date.UTC(2026, 6, 1);

const index = (rules: Rule[], windows: TimeWindow[] = [ANY, FALL, PEAK]) =>
  RuleIndex.build(rules, windows, 7);
const governing = (ix: RuleIndex, d: string, g: string, at = IN_PEAK) => {
  const r = ix.match(d, g, at);
  return r && `${r.department}/${r.grade}/${r.window}`;
};

describe('matching', () => {
  it('prefers exact department (2) over exact grade (1) over wildcards', () => {
    const ix = index([rule('*/*/any'), rule('*/2023/any'), rule('cs/*/any'), rule('cs/2023/any')]);
    expect(governing(ix, 'cs', '2023')).toBe('cs/2023/any');
    expect(governing(ix, 'cs', '2024')).toBe('cs/*/any');
    expect(governing(ix, 'math', '2023')).toBe('*/2023/any');
    expect(governing(ix, 'math', '2024')).toBe('*/*/any');
  });

  it('lets specificity beat a named window', () => {
    const ix = index([rule('cs/2023/any'), rule('cs/*/peak')]);
    expect(governing(ix, 'cs', '2023')).toBe('cs/2023/any');
  });

  it('prefers a named window over any, then the higher window priority', () => {
    const ix = index([rule('cs/2023/any'), rule('cs/2023/fall'), rule('cs/2023/peak')]);
    expect(governing(ix, 'cs', '2023', IN_PEAK)).toBe('cs/2023/peak');
    expect(governing(ix, 'cs', '2023', IN_FALL_ONLY)).toBe('cs/2023/fall');
    expect(governing(ix, 'cs', '2023', SUMMER)).toBe('cs/2023/any');
  });

  it('breaks window ties by rule priority, then key order', () => {
    const w2 = window('w2', { priority: 5 });
    const w3 = window('w3', { priority: 5 });
    expect(
      governing(
        index([rule('cs/2023/w2'), rule('cs/2023/w3', { priority: 1 })], [w2, w3]),
        'cs',
        '2023',
      ),
    ).toBe('cs/2023/w3');
    expect(governing(index([rule('cs/2023/w3'), rule('cs/2023/w2')], [w2, w3]), 'cs', '2023')).toBe(
      'cs/2023/w2',
    );
  });

  it('skips disabled rules and rules whose window is missing', () => {
    const ix = index([
      rule('cs/2023/any', { enabled: false }),
      rule('cs/2023/gone'),
      rule('cs/*/any'),
    ]);
    expect(governing(ix, 'cs', '2023')).toBe('cs/*/any');
  });

  it('returns nothing when no rule matches (NO_RULE)', () => {
    expect(governing(index([rule('cs/2023/any')]), 'math', '2023')).toBeUndefined();
    expect(governing(index([rule('cs/2023/fall')]), 'cs', '2023', SUMMER)).toBeUndefined();
  });

  it('explains every candidate and why the winner won', () => {
    const ix = index([
      rule('cs/2023/any'),
      rule('cs/2023/fall'),
      rule('cs/*/peak'),
      rule('*/*/any', { enabled: false }),
    ]);
    const e = ix.explain('cs', '2023', IN_FALL_ONLY);
    expect(e.governing?.window).toBe('fall');
    expect(e.rulesRevision).toBe(7);
    const notes = Object.fromEntries(e.candidates.map((c) => [c.key, c.note]));
    expect(notes['cs/2023/fall']).toMatch(/^governs/);
    expect(notes['cs/2023/any']).toBe('outranked by cs/2023/fall: a named window beats "any"');
    expect(notes['cs/*/peak']).toBe('window "peak" is not active at this time');
    expect(notes['*/*/any']).toBe('disabled');
    expect(e.candidates.filter((c) => c.governing)).toHaveLength(1);
  });

  it('applies changes into a new index and leaves the old one untouched', () => {
    const before = index([rule('cs/2023/any')]);
    const after = before.withChanges(
      [
        { kind: 'delete-rule', key: 'cs/2023/any' },
        { kind: 'put-rule', rule: rule('cs/*/any') },
      ],
      9,
    );
    expect(governing(before, 'cs', '2023')).toBe('cs/2023/any');
    expect(governing(after, 'cs', '2023')).toBe('cs/*/any');
    expect(after.revision).toBe(9);
    expect(before.revision).toBe(7);
  });

  it('re-evaluates window priority when a window changes', () => {
    const ix = index([rule('cs/2023/fall'), rule('cs/2023/peak')]);
    expect(governing(ix, 'cs', '2023')).toBe('cs/2023/peak');
    const bumped = ix.withChanges([{ kind: 'put-window', window: { ...FALL, priority: 99 } }], 8);
    expect(governing(bumped, 'cs', '2023')).toBe('cs/2023/fall');
  });
});

describe('incremental changes (cost proportional to the change)', () => {
  const base = () => index([rule('cs/2023/any'), rule('cs/2023/fall'), rule('*/2023/peak')]);

  it('puts and deletes rules, keeping every other bucket as it was', () => {
    const before = base();
    const after = before.withChanges(
      [
        { kind: 'put-rule', rule: rule('math/2024/any') },
        { kind: 'delete-rule', key: 'cs/2023/fall' },
      ],
      8,
    );
    expect(governing(after, 'math', '2024')).toBe('math/2024/any');
    expect(governing(after, 'cs', '2023', IN_FALL_ONLY)).toBe('cs/2023/any');
    expect(governing(before, 'cs', '2023', IN_FALL_ONLY)).toBe('cs/2023/fall');
    expect(after.ruleCount).toBe(3);
    expect(after.revision).toBe(8);
    // Deleting what is not there changes nothing.
    expect(after.withChanges([{ kind: 'delete-rule', key: 'no/such/rule' }], 9).ruleCount).toBe(3);
  });

  it('replaces a rule in place (same key, new body)', () => {
    const after = base().withChanges(
      [{ kind: 'put-rule', rule: rule('cs/2023/any', { priority: 3, enabled: false }) }],
      8,
    );
    expect(after.rule('cs/2023/any')?.priority).toBe(3);
    expect(governing(after, 'cs', '2023', SUMMER)).toBeUndefined();
  });

  it('re-links every rule of a changed window, across buckets, and only those', () => {
    const many = Array.from({ length: 1000 }, (_, i) => rule(`d${i}/2023/fall`));
    const ix = index([...many, rule('*/*/any')]);
    expect(governing(ix, 'd500', '2023', IN_FALL_ONLY)).toBe('d500/2023/fall');
    // The fall term moves to next year: at IN_FALL_ONLY no fall rule is active any more.
    const moved = window('fall', { dateRanges: [{ from: '2027-09-01', to: '2028-01-15' }] });
    const after = ix.withChanges([{ kind: 'put-window', window: moved }], 8);
    for (const d of ['d0', 'd500', 'd999'])
      expect(governing(after, d, '2023', IN_FALL_ONLY)).toBe('*/*/any');
    expect(governing(ix, 'd999', '2023', IN_FALL_ONLY)).toBe('d999/2023/fall');
    expect(after.rulesUsingWindow('fall')).toHaveLength(1000);
  });

  it('a deleted window makes its rules inactive until it returns', () => {
    const ix = base();
    const gone = ix.withChanges([{ kind: 'delete-window', name: 'peak' }], 8);
    expect(governing(gone, 'math', '2023', IN_PEAK)).toBeUndefined();
    expect(gone.explain('math', '2023', IN_PEAK).candidates[0].note).toBe(
      'window "peak" does not exist',
    );
    const back = gone.withChanges([{ kind: 'put-window', window: PEAK }], 9);
    expect(governing(back, 'math', '2023', IN_PEAK)).toBe('*/2023/peak');
  });

  it('keeps breaker overrides by rule key', () => {
    const override = { mode: 'open' as const, by: 'ops', at: '', revision: 8 };
    const ix = base().withChanges([{ kind: 'put-override', key: 'cs/2023/any', override }], 8);
    expect(ix.override('cs/2023/any')?.mode).toBe('open');
    const cleared = ix.withChanges([{ kind: 'delete-override', key: 'cs/2023/any' }], 9);
    expect(cleared.override('cs/2023/any')).toBeUndefined();
  });

  it('gives the same answers as an index built from scratch, after a random sequence of changes', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
    const departments = ['cs', 'math', '*'];
    const grades = ['2023', '2024', '*'];
    const windowNames = ['any', 'fall', 'peak'];
    let incremental = index([]);
    const current = new Map<string, Rule>();
    for (let i = 0; i < 300; i++) {
      const id = `${pick(departments)}/${pick(grades)}/${pick(windowNames)}`;
      if (random() < 0.3) {
        incremental = incremental.withChanges([{ kind: 'delete-rule', key: id }], i);
        current.delete(id);
      } else {
        const r = rule(id, { priority: Math.floor(random() * 3), enabled: random() < 0.9 });
        incremental = incremental.withChanges([{ kind: 'put-rule', rule: r }], i);
        current.set(id, r);
      }
    }
    const fresh = index([...current.values()]);
    for (const d of ['cs', 'math', 'bio'])
      for (const g of ['2023', '2024', '2025'])
        for (const at of [IN_PEAK, IN_FALL_ONLY, SUMMER])
          expect(governing(incremental, d, g, at)).toBe(governing(fresh, d, g, at));
  });
});
