import { RuleEventMessage } from '../support/watch-client';
import { ChaosEnvironment } from './cluster';
import { FaultInjector } from './faults';
import { verifyWatcher } from './invariants/watch-streams';
import { checkWrites } from './invariants/writes';
import { Oracle, OracleEvent } from './oracle';
import { DEFAULT_MIX, FAULT_KINDS, FaultKind, planSchedule } from './schedule';
import { WatchSession } from './watchers';
import { WriteRecord } from './writer';

/**
 * The chaos checks judge the product against the oracle; a checker that cannot see a gap would
 * pass a broken product. These cases feed them histories with known faults.
 */
function oracleOf(events: OracleEvent[]): Oracle {
  const oracle = new Oracle([], '/p/', '/dev/null');
  oracle.events.push(...events);
  oracle.lastRevision = Math.max(0, ...events.map((e) => e.revision));
  return oracle;
}

const rule = (d: string, description = d) => JSON.stringify({ limit: { qps: 1 }, description });
const history: OracleEvent[] = [
  { revision: 2, key: 'windows/any', value: '{}' },
  { revision: 3, key: 'rules/a/2023/any', value: rule('a') },
  { revision: 4, key: 'rules/b/2023/any', value: rule('b') },
  { revision: 5, key: 'instances/x', value: '{}' },
  { revision: 6, key: 'rules/a/2023/any', value: null },
  { revision: 7, key: 'rules/c/2023/any', value: rule('c') },
];

const put = (
  key: string,
  revision: number,
  snapshot = false,
  resync = false,
  complete = !snapshot,
): RuleEventMessage => ({
  type: 'PUT',
  key,
  revision,
  value_json: history.find((e) => e.key === key && e.revision === revision)?.value ?? '{}',
  snapshot,
  resync,
  revision_complete: complete,
});
const del = (key: string, revision: number): RuleEventMessage => ({
  type: 'DELETE',
  key,
  revision,
  revision_complete: true,
});
const end = (revision: number, resync = false): RuleEventMessage => ({
  type: 'SNAPSHOT_END',
  revision,
  snapshot: true,
  resync,
  revision_complete: true,
});
const session = (fromRevision: number, events: RuleEventMessage[]): WatchSession => ({
  slot: 'rc0',
  generation: 1,
  fromRevision,
  openedAt: 0,
  events,
});
const snapshotAt3 = [put('rules/a/2023/any', 3, true), put('windows/any', 2, true), end(3)];

describe('chaos check: watcher streams against the oracle', () => {
  const verify = (sessions: WatchSession[], filter = {}) =>
    verifyWatcher({ filter, sessions }, oracleOf(history), 7).problems;

  it('passes a complete stream and a resume that continues right after from_revision', () => {
    expect(
      verify([
        session(0, [...snapshotAt3, put('rules/b/2023/any', 4)]),
        session(4, [end(5), del('rules/a/2023/any', 6), put('rules/c/2023/any', 7)]),
      ]),
    ).toEqual([]);
  });

  it('finds a change skipped in the middle of a stream', () => {
    const problems = verify([session(0, [...snapshotAt3, del('rules/a/2023/any', 6)])]);
    expect(problems.join()).toMatch(/missing PUT rules\/b\/2023\/any@4/);
  });

  it('finds a replay that claims completeness but skipped a change', () => {
    const problems = verify([
      session(0, [...snapshotAt3, put('rules/b/2023/any', 4)]),
      session(4, [end(6), put('rules/c/2023/any', 7)]),
    ]);
    expect(problems.join()).toMatch(/replay end at 6.*missing DELETE rules\/a\/2023\/any@6/);
  });

  it('finds a change delivered twice across a reconnect', () => {
    const problems = verify([
      session(0, [...snapshotAt3, put('rules/b/2023/any', 4)]),
      session(4, [put('rules/b/2023/any', 4), end(7)]),
    ]);
    expect(problems.join()).toMatch(/duplicate PUT rules\/b\/2023\/any@4/);
  });

  describe('a transaction changing two keys, cut short between them', () => {
    // Revision 8 changes two rules in one transaction.
    const two = [
      ...history,
      { revision: 8, key: 'rules/d/2023/any', value: rule('d') },
      { revision: 8, key: 'rules/e/2023/any', value: rule('e') },
    ];
    const verifyTwo = (sessions: WatchSession[]) =>
      verifyWatcher({ filter: {}, sessions }, oracleOf(two), 8).problems;
    const at8 = (key: string, complete: boolean): RuleEventMessage => ({
      type: 'PUT',
      key,
      revision: 8,
      value_json: two.find((e) => e.key === key && e.revision === 8)?.value ?? '',
      revision_complete: complete,
    });
    const first = at8('rules/d/2023/any', false);
    const second = at8('rules/e/2023/any', true);
    const ended = (s: WatchSession) => ({ ...s, endedAt: 1 });

    it('passes when the resume starts before the incomplete revision and sends it whole', () => {
      expect(
        verifyTwo([
          ended(session(0, [...snapshotAt3, put('rules/b/2023/any', 4), first])),
          session(4, [
            del('rules/a/2023/any', 6),
            put('rules/c/2023/any', 7),
            first,
            second,
            end(8),
          ]),
        ]),
      ).toEqual([]);
    });

    it('finds the rest of a revision lost when the resume starts after it', () => {
      const problems = verifyTwo([
        ended(session(0, [...snapshotAt3, put('rules/b/2023/any', 4)])),
        session(4, [
          del('rules/a/2023/any', 6),
          put('rules/c/2023/any', 7),
          at8('rules/d/2023/any', true),
          end(8),
        ]),
      ]);
      expect(problems.join()).toMatch(/missing PUT rules\/e\/2023\/any@8/);
    });
  });

  it('accepts a resync snapshot equal to etcd, and rejects one that is not', () => {
    const resync = (items: RuleEventMessage[]) =>
      verify([session(0, [...snapshotAt3, ...items, end(6, true), put('rules/c/2023/any', 7)])]);
    expect(
      resync([put('rules/b/2023/any', 4, true, true), put('windows/any', 2, true, true)]),
    ).toEqual([]);
    expect(resync([put('windows/any', 2, true, true)]).join()).toMatch(
      /resync snapshot at 6: missing PUT rules\/b/,
    );
  });

  it('applies the filter: other departments are not expected', () => {
    expect(
      verify([session(0, [put('windows/any', 2, true), end(3), put('rules/b/2023/any', 4)])], {
        department: 'b',
      }),
    ).toEqual([]);
  });

  it('reports a range the oracle lost to compaction as unverifiable, not as passed or failed', () => {
    const oracle = oracleOf(history.filter((e) => e.revision !== 4));
    oracle.gaps.push({ from: 3, to: 4, state: new Map() });
    const verdict = verifyWatcher(
      { filter: {}, sessions: [session(0, [...snapshotAt3, del('rules/a/2023/any', 6)])] },
      oracle,
      7,
    );
    expect(verdict.problems).toEqual([]);
    expect(verdict.unverifiable).toBeGreaterThan(0);
  });
});

describe('chaos check: writes against the oracle', () => {
  const write = (over: Partial<WriteRecord>): WriteRecord => ({
    id: 1,
    kind: 'create-rule',
    slot: 'rc0',
    sentAt: 0,
    doneAt: 0,
    status: 201,
    outcome: 'ack',
    items: [],
    floor: 0,
    ...over,
  });

  it('finds an acknowledged write that is not in etcd and a rule left without its window', () => {
    const events: OracleEvent[] = [
      { revision: 2, key: 'windows/w', value: '{}' },
      { revision: 3, key: 'rules/a/2023/w', value: rule('a', 'n1') },
      { revision: 4, key: 'windows/w', value: null },
    ];
    const [acked, , orphans] = checkWrites(
      [
        write({ revision: 3, items: [{ key: 'rules/a/2023/w', nonce: 'n1' }] }),
        write({ id: 2, revision: 4, items: [{ key: 'rules/b/2023/w', nonce: 'n2' }] }),
      ],
      oracleOf(events),
    );
    expect(acked.examples.join()).toMatch(/#2 .*rules\/b\/2023\/w not written at revision 4/);
    expect(acked.violations).toBe(1);
    expect(orphans.examples.join()).toMatch(
      /rules\/a\/2023\/w exists at revision 4 while windows\/w/,
    );
  });

  it('finds an import that was written in part', () => {
    const events: OracleEvent[] = [
      { revision: 2, key: 'windows/any', value: '{}' },
      { revision: 3, key: 'rules/a/2023/any', value: rule('a', 'i-0') },
    ];
    const items = [
      { key: 'rules/a/2023/any', nonce: 'i-0' },
      { key: 'rules/b/2023/any', nonce: 'i-1' },
    ];
    const [, , imports] = checkWrites(
      [write({ kind: 'import', status: 0, outcome: 'unknown', items })],
      oracleOf(events),
    );
    expect(imports.examples.join()).toMatch(/1 of 2 items written/);
  });
});

describe('chaos schedule', () => {
  const plan = (seed: number) =>
    planSchedule({
      seed,
      durationMs: 40_000,
      mix: DEFAULT_MIX,
      meanGapMs: 3000,
      members: ['m0', 'm1', 'm2'],
      instances: ['rc0', 'rc1', 'rc2'],
      ensureEach: true,
    });

  it('is the same for the same seed, different for another, and has every kind in a short run', () => {
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
    for (const seed of [1, 2, 3, 42])
      expect(new Set(plan(seed).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
  });
});

describe('chaos fault injector', () => {
  /** A stand-in environment that records what the injector does to it. */
  function fakeEnvironment(calls: string[]): ChaosEnvironment {
    const who = (members?: string[]) => members?.join(',') ?? 'all';
    const etcd = {
      pause: (m?: string[]) => calls.push(`pause ${who(m)}`),
      resume: (m?: string[]) => calls.push(`resume ${who(m)}`),
      kill: async (m?: string[]) => calls.push(`kill ${who(m)}`),
      restart: (m?: string[]) => calls.push(`restart ${who(m)}`),
      waitHealthy: async () => undefined,
      memberAnswers: async (m: string) => calls.push(`answers ${m}`) > 0,
      revision: async () => 5,
      compact: async () => 5,
    };
    return {
      etcd,
      redis: {
        stop: async () => calls.push('redis stop'),
        resume: async () => calls.push('redis start'),
      },
      slot: (name: string) => ({ name }),
      stopInstance: async (slot: { name: string }, signal: string) => {
        calls.push(`${signal} ${slot.name}`);
        return { id: `${slot.name}-g1`, exit: { code: null, signal } };
      },
      startInstance: async (slot: { name: string }) => {
        calls.push(`start ${slot.name}`);
        return { id: `${slot.name}-g2`, spawnedAt: 0, startedAt: 1 };
      },
      endDisruption: () => undefined,
      writeBurst: async () => {
        calls.push('burst');
        return { written: 1500, failed: 0 };
      },
    } as unknown as ChaosEnvironment;
  }

  it.each([
    ['pause-member', 'm1', ['pause m1', 'resume m1']],
    ['pause-all', 'cluster', ['pause all', 'resume all']],
    ['kill-member', 'm1', ['kill m1', 'restart m1']],
    ['etcd-outage', 'cluster', ['kill all', 'restart all']],
    ['flap-member', 'm1', ['kill m1', 'restart m1', 'answers m1']],
    ['stall-member', 'm1', ['pause m1', 'burst', 'resume m1', 'kill m1', 'restart m1']],
    ['compact', 'cluster', []],
    ['write-burst', 'cluster', ['burst']],
    ['redis-restart', 'redis', ['redis stop', 'redis start']],
    ['kill-instance', 'rc1', ['SIGKILL rc1', 'start rc1']],
    ['term-instance', 'rc1', ['SIGTERM rc1', 'start rc1']],
  ] as [FaultKind, string, string[]][])('%s does what it says', async (kind, target, expected) => {
    const calls: string[] = [];
    const injector = new FaultInjector(
      fakeEnvironment(calls),
      [{ id: 1, kind, target, at: 0, durationMs: 0, seed: 1 }],
      () => undefined,
    );
    await injector.run(Date.now());
    expect(calls).toEqual(expected);
    expect(injector.records[0].failed).toBeUndefined();
    expect(injector.records[0].recoveredAt).toBeDefined();
  });
});
