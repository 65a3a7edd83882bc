import { status } from '@grpc/grpc-js';
import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { TestWatcher } from '../support/watch-client';
import { outcomeClient } from '../support/outcome-client';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';
import { sleep } from '../support/ports';
import { WatchHub } from '../../src/services/watch-hub';

const rule = (department: string, extra: Record<string, unknown> = {}) => ({
  department,
  grade: '2023',
  window: 'any',
  limit: { qps: 10 },
  ...extra,
});

describe('WatchRules stream (e2e, real etcd)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let rc: Instance;
  const watchers: TestWatcher[] = [];
  const watch = (request: Record<string, unknown> = {}, instance = rc) => {
    const w = new TestWatcher(instance.grpcPort, request);
    watchers.push(w);
    return w;
  };
  const create = async (body: Record<string, unknown>) => {
    const res = await rc
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send(body);
    expect(res.status).toBe(201);
    return res.body.revision as number;
  };

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    rc = await startInstance(etcd.endpoint, redis.url, {
      WATCH_MAX_PENDING: '20',
      WATCH_HISTORY: '50',
      ETCD_MAX_TXN_OPS: '500',
    });
    await create(rule('seed'));
  });
  afterAll(async () => {
    for (const w of watchers) w.cancel();
    await rc.close();
    await etcd.destroy();
    await redis.stop();
  });

  it('starts with a snapshot, marks its end, then sends each change in revision order', async () => {
    const w = watch();
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const snapshot = w.events.filter((e) => e.snapshot && e.type === 'PUT');
    expect(snapshot.map((e) => e.key)).toEqual(['rules/seed/2023/any', 'windows/any']);
    expect(JSON.parse(snapshot[0].value_json ?? '{}').limit.qps).toBe(10);
    const end = w.events.find((e) => e.type === 'SNAPSHOT_END');
    expect(end?.resync ?? false).toBe(false);

    const r1 = await create(rule('cs'));
    await rc
      .http()
      .delete('/api/v1/rules/cs/2023/any')
      .set('Authorization', bearer('editor'))
      .expect(204);
    await w.until('two changes', (x) => x.changes.length >= 2);
    expect(w.changes.map((e) => [e.type, e.kind, e.key])).toEqual([
      ['PUT', 'RULE', 'rules/cs/2023/any'],
      ['DELETE', 'RULE', 'rules/cs/2023/any'],
    ]);
    expect(Number(w.changes[0].revision)).toBe(r1);
    expect(Number(w.changes[1].revision)).toBeGreaterThan(r1);
  });

  it('filters by department, grade and window', async () => {
    const w = watch({ department: 'math' });
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    expect(w.events.filter((e) => e.type === 'PUT').map((e) => e.key)).toEqual(['windows/any']);
    await create(rule('bio'));
    await create(rule('math'));
    await w.until('math change', (x) => x.changes.length >= 1);
    await sleep(50);
    expect(w.changes.map((e) => e.key)).toEqual(['rules/math/2023/any']);
  });

  it('resumes from the last revision with exactly the changes after it: no gap, no duplicate', async () => {
    const w = watch();
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const last = w.lastRevision;
    w.cancel();
    const made = [await create(rule('r1')), await create(rule('r2')), await create(rule('r3'))];
    const again = watch({ from_revision: last });
    await again.until('replay end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    await create(rule('r4'));
    await again.until('a live change after the replay', (x) => x.changes.length >= 1);
    // The replay precedes the end marker; nothing of the snapshot is sent again.
    const replayed = again.events.slice(
      0,
      again.events.findIndex((e) => e.type === 'SNAPSHOT_END'),
    );
    expect(replayed.every((e) => e.type === 'PUT' && !e.snapshot)).toBe(true);
    expect(replayed.map((e) => Number(e.revision))).toEqual(made);
    expect(again.changes.map((e) => e.key)).toEqual(['rules/r4/2023/any']);
    expect(again.events.find((e) => e.type === 'SNAPSHOT_END')?.resync ?? false).toBe(false);
  });

  it('replays a resume exactly from its history even when etcd has compacted that revision', async () => {
    const w = watch();
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const last = w.lastRevision;
    w.cancel();
    const made = await create(rule('after-compaction'));
    await etcd.ctl('compact', String(await etcd.revision()));
    const again = watch({ from_revision: last });
    await again.until('replay end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const replayed = again.events.filter((e) => e.type === 'PUT');
    expect(replayed.map((e) => [e.key, Number(e.revision), e.snapshot])).toEqual([
      ['rules/after-compaction/2023/any', made, false],
    ]);
    expect(again.events.find((e) => e.type === 'SNAPSHOT_END')?.resync ?? false).toBe(false);
  });

  it('answers a resume older than its history with a fresh snapshot flagged resync', async () => {
    const w = watch();
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const last = w.lastRevision;
    w.cancel();
    // One import of more rules than the history keeps (WATCH_HISTORY 50).
    const rules = Array.from({ length: 60 }, (_, i) => rule(`bulk${i}`));
    const imported = await rc
      .http()
      .post('/api/v1/import')
      .set('Authorization', bearer('admin'))
      .send({ rules });
    expect(imported.status).toBe(200);
    await create(rule('after-bulk'));
    const again = watch({ from_revision: last });
    await again.until('resync snapshot', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const items = again.events.filter((e) => e.type === 'PUT');
    expect(items.every((e) => e.snapshot && e.resync)).toBe(true);
    expect(items.map((e) => e.key)).toEqual(
      expect.arrayContaining(['rules/after-bulk/2023/any', 'rules/bulk59/2023/any']),
    );
    expect(again.events.find((e) => e.type === 'SNAPSHOT_END')?.resync).toBe(true);
  });

  it('marks the last event of each revision, so a watcher resumes only from whole transactions', async () => {
    const w = watch();
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    expect(w.events.find((e) => e.type === 'SNAPSHOT_END')?.revision_complete).toBe(true);
    expect(
      w.events.filter((e) => e.snapshot && e.type === 'PUT').some((e) => e.revision_complete),
    ).toBe(false);
    const imported = await rc
      .http()
      .post('/api/v1/import')
      .set('Authorization', bearer('admin'))
      .send({ rules: [rule('tx1'), rule('tx2'), rule('tx3')] });
    expect(imported.status).toBe(200);
    await w.until('the transaction', (x) => x.changes.length >= 3);
    const tx = w.changes.slice(0, 3);
    expect(new Set(tx.map((e) => e.revision)).size).toBe(1);
    expect(tx.map((e) => e.revision_complete ?? false)).toEqual([false, false, true]);
  });

  it('carries breaker transitions and overrides', async () => {
    const w = watch({ department: 'br' });
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    await create(
      rule('br', { breaker: { enabled: true, minRequests: 5, errorRateThreshold: 0.5 } }),
    );
    const reporter = outcomeClient(rc.grpcPort);
    await reporter.report(
      Array.from({ length: 5 }, () => ({
        department: 'br',
        grade: '2023',
        success: false,
        latency_ms: 1,
      })),
    );
    reporter.close();
    await rc
      .http()
      .post('/api/v1/breakers/br/2023/any')
      .set('Authorization', bearer('admin'))
      .send({ mode: 'closed' })
      .expect(200);
    await w.until('breaker events', (x) => x.changes.length >= 3);
    expect(w.changes.map((e) => [e.type, e.kind ?? '', e.key])).toEqual([
      ['PUT', 'RULE', 'rules/br/2023/any'],
      ['BREAKER', 'KIND_UNSPECIFIED', 'breakers/br/2023/any'],
      ['PUT', 'BREAKER_OVERRIDE', 'breakers/br/2023/any'],
    ]);
    expect(w.changes[1].breaker).toMatchObject({ from: 'CLOSED', to: 'OPEN', total: 5 });
  });

  it('cuts off a watcher that does not read with RESOURCE_EXHAUSTED, without slowing the others', async () => {
    const slow = watch();
    const fast = watch();
    await slow.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    await fast.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    slow.call.pause();
    const rules = Array.from({ length: 300 }, (_, i) =>
      rule(`bulk${i}`, { description: 'x'.repeat(400) }),
    );
    const imported = await rc
      .http()
      .post('/api/v1/import')
      .set('Authorization', bearer('admin'))
      .send({ rules });
    expect(imported.status).toBe(200);
    await fast.until(
      'fast watcher got all 300',
      (x) => x.changes.filter((e) => e.key?.startsWith('rules/bulk')).length === 300,
    );
    await create(rule('one-more')); // the next batch finds the slow watcher's backlog
    slow.call.resume();
    await slow.until('slow watcher cut off', (x) => x.error !== undefined, 10_000);
    expect(slow.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(slow.error?.details).toMatch(
      /^watcher too slow: more than 20 events were waiting; reconnect with from_revision=\d+ to resume$/,
    );
  });

  it('refuses a bad filter or revision with INVALID_ARGUMENT', async () => {
    const bad = watch({ window: 'Fall' });
    await bad.until('error', (x) => x.error !== undefined);
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.error?.details).toBe(
      'window must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lower-case letters, digits, "_" and "-", at most 64 characters); got "Fall"',
    );
    const negative = watch({ from_revision: -5 });
    await negative.until('error', (x) => x.error !== undefined);
    expect(negative.error?.details).toBe('from_revision must be 0 or a positive revision; got -5');
  });

  it('ends streams with UNAVAILABLE on shutdown, naming the revision to resume from', async () => {
    const other = await startInstance(etcd.endpoint, redis.url);
    const w = watch({}, other);
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    await other.close();
    await w.until('closed', (x) => x.error !== undefined);
    expect(w.error?.code).toBe(status.UNAVAILABLE);
    expect(w.error?.details).toMatch(
      /^server shutting down; reconnect \(to another instance\) with from_revision=\d+$/,
    );
  });

  it('answers a from_revision ahead of etcd with OUT_OF_RANGE once it has waited for it', async () => {
    const ahead = (await etcd.revision()) + 1000;
    const w = watch({ from_revision: ahead });
    await w.until('error', (x) => x.error !== undefined, 5000);
    expect(w.error?.code).toBe(status.OUT_OF_RANGE);
    expect(w.error?.details).toMatch(new RegExp(`^from_revision ${ahead} is ahead of etcd`));
    expect(w.events).toEqual([]);
  });

  it('leaves no subscription behind when the client leaves before its resume is answered', async () => {
    const hub = rc.app.get(WatchHub);
    const before = hub.watchers;
    // Waiting for a revision this instance has not reached.
    const ahead = watch({ from_revision: (await etcd.revision()) + 1000 });
    await sleep(200);
    ahead.cancel();
    // A resume from an older revision while etcd does not answer.
    const older = (await etcd.revision()) - 1;
    etcd.freeze();
    try {
      const stalled = watch({ from_revision: older });
      await sleep(200);
      stalled.cancel();
    } finally {
      etcd.thaw();
    }
    await sleep(2500); // past every wait
    expect(hub.watchers).toBe(before);
  });

  it('a resume to an instance that started from its snapshot file (etcd down) gets a resync snapshot, not a silent end', async () => {
    const w = watch();
    await w.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
    const last = w.lastRevision;
    w.cancel();
    await create(rule('before-outage'));
    await sleep(1300); // the snapshot file is written at most once a second
    await etcd.stop();
    const fromSnapshot = await startInstance(etcd.endpoint, redis.url, {
      SNAPSHOT_PATH: rc.config.snapshotPath,
    });
    try {
      const again = watch({ from_revision: last }, fromSnapshot);
      await again.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
      const items = again.events.filter((e) => e.type === 'PUT');
      expect(items.map((e) => e.key)).toContain('rules/before-outage/2023/any');
      expect(items.every((e) => e.snapshot && e.resync)).toBe(true);
      expect(again.events.find((e) => e.type === 'SNAPSHOT_END')?.resync).toBe(true);
    } finally {
      await fromSnapshot.close();
      await etcd.resume();
    }
  });
});
