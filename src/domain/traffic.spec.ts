import {
  CountResult,
  circuitOpenDecision,
  decisionFromCount,
  noRuleDecision,
  storeUnavailableDecision,
} from './decision';
import { Rule, RuleBodyInput, applyRuleDefaults } from './rule';
import { TrafficTally, trafficOutcome } from './traffic';

const rule = (body: Partial<RuleBodyInput> = {}): Rule => ({
  department: 'cs',
  grade: '2023',
  window: 'any',
  ...applyRuleDefaults({ limit: { qps: 10 }, ...body }),
  revision: 3,
  createdAt: '',
  updatedAt: '',
  updatedBy: 't',
});
const input = { department: 'cs', grade: '2023', resource: '', clientId: '', hits: 1, atMs: 0 };
const count = (admitted: boolean): CountResult => ({
  admitted,
  overLimit: !admitted,
  remaining: 0,
  retryAfterMs: 0,
  resetAfterMs: 0,
  breaker: { blocked: false, state: 'DISABLED', openedToHalf: false },
});

describe('traffic outcome of a decision', () => {
  it.each([
    ['admitted', decisionFromCount(rule(), input, count(true), 1), 'allowed'],
    ['over the limit', decisionFromCount(rule(), input, count(false), 1), 'rejected'],
    [
      'degraded',
      decisionFromCount(rule({ onExceed: 'degrade' }), input, count(false), 1),
      'degraded',
    ],
    ['circuit open', circuitOpenDecision(rule(), 'OPEN', 100, 1, false), 'circuitOpen'],
    [
      'shadow, would reject',
      decisionFromCount(rule({ shadow: true }), input, count(false), 1),
      'shadowWouldReject',
    ],
    [
      'shadow, circuit open',
      circuitOpenDecision(rule({ shadow: true }), 'OPEN', 100, 1, true),
      'shadowWouldReject',
    ],
    [
      'shadow, would allow',
      decisionFromCount(rule({ shadow: true }), input, count(true), 1),
      'allowed',
    ],
    [
      'Redis away, failMode closed',
      storeUnavailableDecision(rule({ failMode: 'closed' }), undefined, 1),
      'rejected',
    ],
  ])('%s counts as %s', (_what, decision, outcome) => {
    expect(trafficOutcome(decision)).toBe(outcome);
  });

  it('leaves decisions no rule governed uncounted', () => {
    expect(trafficOutcome(noRuleDecision('ALLOW', 1))).toBeUndefined();
  });
});

describe('TrafficTally', () => {
  it('adds up per second and rule, and starts empty after a drain', () => {
    const tally = new TrafficTally();
    tally.record('a/b/any', 'allowed', 100);
    tally.record('a/b/any', 'allowed', 100);
    tally.record('a/b/any', 'rejected', 101);
    tally.record('c/d/any', 'degraded', 100);
    expect(tally.size).toBe(3);
    expect(tally.drain()).toEqual([
      {
        second: 100,
        rule: 'a/b/any',
        counts: expect.objectContaining({ allowed: 2, rejected: 0 }),
      },
      { second: 101, rule: 'a/b/any', counts: expect.objectContaining({ rejected: 1 }) },
      { second: 100, rule: 'c/d/any', counts: expect.objectContaining({ degraded: 1 }) },
    ]);
    expect(tally.drain()).toEqual([]);
  });
});
