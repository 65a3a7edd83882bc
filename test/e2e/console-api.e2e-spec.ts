import { Instance, bearer, startInstance } from '../support/app-instance';
import { useStack } from '../support/stack';

/** The REST additions the console is built on: schedule, traffic, audit restore (real etcd, Redis). */
describe('schedule, traffic and audit restore (e2e)', () => {
  const stack = useStack();
  let rc: Instance;
  const as = (role: 'viewer' | 'editor' | 'admin') => ({ Authorization: bearer(role) });

  beforeAll(async () => {
    rc = await startInstance(stack.etcd.endpoint, stack.redis.url);
    await rc
      .http()
      .post('/api/v1/windows')
      .set(as('editor'))
      .send({
        name: 'night',
        timezone: 'Asia/Shanghai',
        daysOfWeek: [5],
        timeRanges: [{ start: '22:00', end: '02:00' }],
      })
      .expect(201);
    for (const body of [
      { department: 'cs', grade: '2023', window: 'night', limit: { qps: 5 } },
      { department: '*', grade: '*', window: 'any', limit: { qps: 100 } },
    ])
      await rc.http().post('/api/v1/rules').set(as('editor')).send(body).expect(201);
  });
  afterAll(() => rc?.close());

  describe('GET /schedule', () => {
    it('shows a window across midnight in its zone, on the day it started', async () => {
      const res = await rc
        .http()
        .get('/api/v1/schedule')
        .query({ department: 'cs', grade: '2023', from: '2026-11-16T00:00:00+08:00' })
        .set(as('viewer'))
        .expect(200);
      expect(res.body.to).toBe('2026-11-22T16:00:00.000Z');
      const lane = res.body.lanes[0];
      expect(lane).toMatchObject({ department: 'cs', grade: '2023' });
      expect(
        lane.intervals.map((i: { from: string; rule: { key: string; qps: number } }) => [
          i.from,
          i.rule.key,
          i.rule.qps,
        ]),
      ).toEqual([
        ['2026-11-15T16:00:00.000Z', '*/*/any', 100],
        ['2026-11-20T14:00:00.000Z', 'cs/2023/night', 5], // Friday 22:00 Shanghai
        ['2026-11-20T18:00:00.000Z', '*/*/any', 100], // Saturday 02:00
      ]);
    });

    it('draws every scope a rule is written for when none is given', async () => {
      const res = await rc.http().get('/api/v1/schedule').set(as('viewer')).expect(200);
      expect(
        res.body.lanes.map(
          (l: { department: string; grade: string }) => `${l.department}/${l.grade}`,
        ),
      ).toEqual(['*/*', 'cs/2023']);
    });

    it('lists the next transitions and refuses a bad range on its field', async () => {
      const next = await rc
        .http()
        .get('/api/v1/schedule/transitions?limit=2')
        .set(as('viewer'))
        .expect(200);
      expect(next.body.items).toHaveLength(2);
      expect(next.body.items[0]).toMatchObject({ department: 'cs', grade: '2023' });
      const bad = await rc
        .http()
        .get('/api/v1/schedule?from=yesterday')
        .set(as('viewer'))
        .expect(400);
      expect(bad.body.message).toEqual([expect.stringMatching(/^from must be an ISO-8601/)]);
      const long = await rc
        .http()
        .get('/api/v1/schedule?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z')
        .set(as('viewer'))
        .expect(400);
      expect(long.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /traffic', () => {
    it('counts decisions per rule and second, cluster-wide, after the flush', async () => {
      const grpc = rc.grpc();
      try {
        // qps 100 over one sliding second: 120 calls admit 100 and reject 20.
        const answers = await grpc.decideBatch(
          Array.from({ length: 120 }, () => ({ department: 'ee', grade: '2024' })),
        );
        expect(answers.filter((a) => a.verdict === 'REJECT')).toHaveLength(20);
      } finally {
        grpc.close();
      }
      let view:
        | {
            series: { rule: string; points: { allowed: number; rejected: number }[] }[];
            top: { rule: string; rejected: number }[];
          }
        | undefined;
      for (let i = 0; i < 30; i++) {
        view = (await rc.http().get('/api/v1/traffic?seconds=30').set(as('viewer')).expect(200))
          .body;
        if (view?.top.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const series = view!.series.find((s) => s.rule === '*/*/any')!;
      expect(series.points).toHaveLength(30);
      const sum = (k: 'allowed' | 'rejected') => series.points.reduce((n, p) => n + p[k], 0);
      expect([sum('allowed'), sum('rejected')]).toEqual([100, 20]);
      expect(view!.top).toEqual([expect.objectContaining({ rule: '*/*/any', rejected: 20 })]);
      const one = await rc
        .http()
        .get('/api/v1/traffic?rule=cs/2023/night&seconds=10')
        .set(as('viewer'))
        .expect(200);
      expect(one.body.series).toEqual([{ rule: 'cs/2023/night', points: expect.any(Array) }]);
      await rc.http().get('/api/v1/traffic?seconds=901').set(as('viewer')).expect(400);
    });
  });

  describe('POST /audit/{id}/restore', () => {
    it('puts back the before of a record as a new audited write, guarded by If-Match', async () => {
      const created = await rc
        .http()
        .post('/api/v1/rules')
        .set(as('editor'))
        .send({
          department: 'math',
          grade: '2022',
          window: 'any',
          limit: { qps: 40 },
          description: 'first',
        })
        .expect(201);
      const replaced = await rc
        .http()
        .put('/api/v1/rules/math/2022/any')
        .set(as('editor'))
        .set('If-Match', created.headers.etag)
        .send({ limit: { qps: 7 }, description: 'oops' })
        .expect(200);
      const audit = await rc.http().get('/api/v1/audit?limit=1').set(as('admin')).expect(200);
      const record = audit.body.items[0];
      expect(record).toMatchObject({ action: 'replace', key: 'rules/math/2022/any' });
      const path = `/api/v1/audit/${record.id}/restore`;

      await rc.http().post(path).set(as('viewer')).expect(403);
      const missing = await rc.http().post(path).set(as('editor')).expect(428);
      expect(missing.body.code).toBe('PRECONDITION_REQUIRED');
      const stale = await rc
        .http()
        .post(path)
        .set(as('editor'))
        .set('If-Match', created.headers.etag)
        .expect(409);
      expect(stale.body.message).toMatch(/now at revision \d+ \(last changed by ed at /);

      const restored = await rc
        .http()
        .post(path)
        .set(as('editor'))
        .set('If-Match', replaced.headers.etag)
        .expect(200);
      expect(restored.body).toMatchObject({
        restoredFrom: record.id,
        key: 'rules/math/2022/any',
        action: 'replace',
      });
      const now = await rc.http().get('/api/v1/rules/math/2022/any').set(as('viewer')).expect(200);
      expect(now.body).toMatchObject({
        limit: { qps: 40 },
        description: 'first',
        revision: restored.body.revision,
      });
      const after = await rc.http().get('/api/v1/audit?limit=1').set(as('admin')).expect(200);
      expect(after.body.items[0]).toMatchObject({
        action: 'replace',
        restoredFrom: record.id,
        actor: 'ed',
      });
    });

    it('undoes a create by a delete, and re-creates a deleted rule with If-Match "0"', async () => {
      const created = await rc
        .http()
        .post('/api/v1/rules')
        .set(as('editor'))
        .send({ department: 'bio', grade: '2021', window: 'any', limit: { qps: 3 } })
        .expect(201);
      const [createRecord] = (await rc.http().get('/api/v1/audit?limit=1').set(as('admin'))).body
        .items;
      expect(createRecord.action).toBe('create');
      await rc
        .http()
        .post(`/api/v1/audit/${createRecord.id}/restore`)
        .set(as('editor'))
        .set('If-Match', created.headers.etag)
        .expect(200);
      await rc.http().get('/api/v1/rules/bio/2021/any').set(as('viewer')).expect(404);

      const [deleteRecord] = (await rc.http().get('/api/v1/audit?limit=1').set(as('admin'))).body
        .items;
      expect(deleteRecord).toMatchObject({ action: 'delete', restoredFrom: createRecord.id });
      const again = await rc
        .http()
        .post(`/api/v1/audit/${deleteRecord.id}/restore`)
        .set(as('editor'))
        .set('If-Match', '"0"')
        .expect(200);
      expect(again.body.action).toBe('create');
      await rc.http().get('/api/v1/rules/bio/2021/any').set(as('viewer')).expect(200);
    });

    it('answers 404 for an unknown record and 400 for a malformed id', async () => {
      await rc
        .http()
        .post('/api/v1/audit/20260101T000000.000Z-0000000000/restore')
        .set(as('editor'))
        .set('If-Match', '"0"')
        .expect(404);
      const bad = await rc
        .http()
        .post('/api/v1/audit/..%2Fetc/restore')
        .set(as('editor'))
        .set('If-Match', '"0"')
        .expect(400);
      expect(bad.body.message).toEqual([expect.stringMatching(/^id must be an audit id/)]);
    });
  });
});
