import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';

const P = '/rulecenter/v1/';
const rule = (extra: Record<string, unknown> = {}) => ({
  department: 'cs',
  grade: '2023',
  window: 'any',
  limit: { qps: 80 },
  ...extra,
});

describe('REST admin API (e2e, real etcd)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let rc: Instance;
  /** The whole etcd prefix as text: proves a rejected request wrote nothing. */
  const dump = () => etcd.ctl('get', '--prefix', P);

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    rc = await startInstance(etcd.endpoint, redis.url, {
      BODY_LIMIT_BYTES: String(1024 * 1024),
      ETCD_MAX_TXN_OPS: '20',
    });
  });
  afterAll(async () => {
    await rc.close();
    await etcd.destroy();
    await redis.stop();
  });

  describe('auth', () => {
    it('answers 401 without a token or with an unknown one', async () => {
      const none = await rc.http().get('/api/v1/rules');
      expect(none.status).toBe(401);
      expect(none.body.message).toMatch(/missing bearer token/);
      const unknown = await rc
        .http()
        .get('/api/v1/rules')
        .set('Authorization', 'Bearer nope-nope-nope');
      expect(unknown.status).toBe(401);
    });

    it('answers 403 when the role is too low', async () => {
      const res = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('viewer'))
        .send(rule());
      expect(res.status).toBe(403);
      const audit = await rc.http().get('/api/v1/audit').set('Authorization', bearer('editor'));
      expect(audit.status).toBe(403);
    });
  });

  describe('rule lifecycle', () => {
    it('creates, reads with ETag, rejects a stale update with 409, replaces, and deletes', async () => {
      const created = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send(rule({ description: 'CS juniors' }));
      expect(created.status).toBe(201);
      expect(created.headers.etag).toBe(`"${created.body.revision}"`);
      expect(created.body).toMatchObject({
        updatedBy: 'ed',
        limit: { qps: 80, burst: 80, algorithm: 'sliding_window' },
      });

      const read = await rc
        .http()
        .get('/api/v1/rules/cs/2023/any')
        .set('Authorization', bearer('viewer'));
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe(created.headers.etag);

      const dup = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send(rule());
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('RULE_EXISTS');

      const body = { limit: { qps: 100 } };
      const noIfMatch = await rc
        .http()
        .put('/api/v1/rules/cs/2023/any')
        .set('Authorization', bearer('editor'))
        .send(body);
      expect(noIfMatch.status).toBe(428);

      const replaced = await rc
        .http()
        .put('/api/v1/rules/cs/2023/any')
        .set('Authorization', bearer('editor'))
        .set('If-Match', read.headers.etag)
        .send(body);
      expect(replaced.status).toBe(200);
      expect(replaced.body.limit.qps).toBe(100);
      expect(replaced.body.createdAt).toBe(created.body.createdAt);

      const stale = await rc
        .http()
        .put('/api/v1/rules/cs/2023/any')
        .set('Authorization', bearer('editor'))
        .set('If-Match', read.headers.etag)
        .send({ limit: { qps: 1 } });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ code: 'REVISION_CONFLICT' });
      expect(
        (await rc.http().get('/api/v1/rules/cs/2023/any').set('Authorization', bearer('viewer')))
          .body.limit.qps,
      ).toBe(100);

      const staleDelete = await rc
        .http()
        .delete('/api/v1/rules/cs/2023/any')
        .set('Authorization', bearer('editor'))
        .set('If-Match', read.headers.etag);
      expect(staleDelete.status).toBe(409);
      const deleted = await rc
        .http()
        .delete('/api/v1/rules/cs/2023/any')
        .set('Authorization', bearer('editor'))
        .set('If-Match', replaced.headers.etag);
      expect(deleted.status).toBe(204);
      expect(
        (await rc.http().get('/api/v1/rules/cs/2023/any').set('Authorization', bearer('viewer')))
          .status,
      ).toBe(404);
    });

    it('records every change in the audit log, newest first, with the actor', async () => {
      const res = await rc
        .http()
        .get('/api/v1/audit?limit=3')
        .set('Authorization', bearer('admin'));
      expect(res.status).toBe(200);
      expect(res.body.items.map((a: { action: string }) => a.action)).toEqual([
        'delete',
        'replace',
        'create',
      ]);
      expect(res.body.items[0]).toMatchObject({
        actor: 'ed',
        key: 'rules/cs/2023/any',
        after: null,
      });
      expect(res.body.items[1].before.limit.qps).toBe(80);
      expect(res.body.items[1].after.limit.qps).toBe(100);
      const first = await rc
        .http()
        .get('/api/v1/audit?limit=2')
        .set('Authorization', bearer('admin'));
      expect(first.body.next).toBe(first.body.items[1].id);
      const second = await rc
        .http()
        .get(`/api/v1/audit?limit=2&before=${first.body.next}`)
        .set('Authorization', bearer('admin'));
      expect(second.body.items.map((a: { action: string }) => a.action)).toEqual(['create']);
      expect(second.body.next).toBeUndefined();
    });

    it('lists with filters and paging', async () => {
      for (const d of ['aa', 'bb', 'cc']) {
        await rc
          .http()
          .post('/api/v1/rules')
          .set('Authorization', bearer('editor'))
          .send(rule({ department: d }))
          .expect(201);
      }
      const page = await rc
        .http()
        .get('/api/v1/rules?grade=2023&offset=1&limit=1')
        .set('Authorization', bearer('viewer'));
      expect(page.body).toMatchObject({ total: 3, offset: 1, limit: 1 });
      expect(page.body.items[0].department).toBe('bb');
      const filtered = await rc
        .http()
        .get('/api/v1/rules?department=cc')
        .set('Authorization', bearer('viewer'));
      expect(filtered.body.items.map((r: { department: string }) => r.department)).toEqual(['cc']);
    });
  });

  describe('bad input: 4xx JSON naming the problem, nothing written', () => {
    const cases: [string, unknown, RegExp][] = [
      ['a slash in department', rule({ department: 'cs/x' }), /^department must match/],
      ['dot-dot', rule({ grade: '..' }), /^grade must match/],
      ['a space', rule({ department: 'c s' }), /^department must match/],
      ['upper case', rule({ department: 'CS' }), /^department must match/],
      ['an empty token', rule({ grade: '' }), /^grade must match/],
      ['65 characters', rule({ department: 'a'.repeat(65) }), /^department must match/],
      ['an unknown field', rule({ colour: 'red' }), /^colour is not a known field$/],
      ['a wrong type', rule({ enabled: 'yes' }), /^enabled must be a boolean/],
      ['qps of 0', rule({ limit: { qps: 0 } }), /^limit\.qps must not be less than/],
      ['qps not a number', rule({ limit: { qps: 'many' } }), /^limit\.qps must be a number/],
      [
        'burst below 1',
        rule({ limit: { qps: 5, burst: 0 } }),
        /^limit\.burst must not be less than 1/,
      ],
      [
        'an unknown algorithm',
        rule({ limit: { qps: 5, algorithm: 'fixed' } }),
        /^limit\.algorithm must be one of/,
      ],
    ];
    it.each(cases)('rejects %s with 400', async (_what, body, message) => {
      const before = await dump();
      const res = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send(body as object);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect((res.body.message as string[]).some((m) => message.test(m))).toBe(true);
      expect(await dump()).toBe(before);
    });

    it('rejects a path token with upper case', async () => {
      const res = await rc
        .http()
        .get('/api/v1/rules/CS/2023/any')
        .set('Authorization', bearer('viewer'));
      expect(res.status).toBe(400);
      expect(res.body.message[0]).toMatch(/^department must match/);
    });

    it('rejects a rule referencing a missing window', async () => {
      const before = await dump();
      const res = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send(rule({ window: 'nope' }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'WINDOW_MISSING' });
      expect(res.body.message).toMatch(/window: "nope" does not exist/);
      expect(await dump()).toBe(before);
    });

    it('rejects a window whose end equals its start, and an invalid timezone', async () => {
      const empty = await rc
        .http()
        .post('/api/v1/windows')
        .set('Authorization', bearer('editor'))
        .send({ name: 'w', timeRanges: [{ start: '08:00', end: '08:00' }] });
      expect(empty.status).toBe(400);
      expect(empty.body.message).toContain(
        'timeRanges.0.end must differ from timeRanges.0.start (an empty range would never be active)',
      );
      const zone = await rc
        .http()
        .post('/api/v1/windows')
        .set('Authorization', bearer('editor'))
        .send({ name: 'w', timezone: 'Asia/Atlantis' });
      expect(zone.status).toBe(400);
      expect(zone.body.message[0]).toMatch(/^timezone must be an IANA time zone/);
    });

    it('answers malformed JSON with 400 and a 5 MB body with 413', async () => {
      const bad = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .set('Content-Type', 'application/json')
        .send('{"department":');
      expect(bad.status).toBe(400);
      expect(bad.body.statusCode).toBe(400);
      const huge = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(rule({ description: 'x'.repeat(5 * 1024 * 1024) })));
      expect(huge.status).toBe(413);
      expect(huge.body.message).toMatch(/exceeds the configured limit/);
    });

    it('rejects a malformed If-Match', async () => {
      const res = await rc
        .http()
        .put('/api/v1/rules/aa/2023/any')
        .set('Authorization', bearer('editor'))
        .set('If-Match', 'yesterday')
        .send({ limit: { qps: 3 } });
      expect(res.status).toBe(400);
      expect(res.body.message[0]).toMatch(/^If-Match must be a revision/);
    });
  });

  describe('windows', () => {
    it('creates a window, refuses to delete it while a rule uses it, then deletes it', async () => {
      const created = await rc
        .http()
        .post('/api/v1/windows')
        .set('Authorization', bearer('editor'))
        .send({
          name: 'course-selection',
          timezone: 'Asia/Shanghai',
          dateRanges: [{ from: '2026-12-28', to: '2027-01-08' }],
          daysOfWeek: [1, 2, 3, 4, 5],
          timeRanges: [{ start: '08:00', end: '12:00' }],
          priority: 10,
        });
      expect(created.status).toBe(201);
      await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send(rule({ window: 'course-selection', limit: { qps: 50 } }))
        .expect(201);
      const inUse = await rc
        .http()
        .delete('/api/v1/windows/course-selection')
        .set('Authorization', bearer('editor'));
      expect(inUse.status).toBe(409);
      expect(inUse.body).toMatchObject({ code: 'WINDOW_IN_USE' });
      expect(inUse.body.message).toMatch(/cs\/2023\/course-selection/);
      await rc
        .http()
        .delete('/api/v1/rules/cs/2023/course-selection')
        .set('Authorization', bearer('editor'))
        .expect(204);
      await rc
        .http()
        .delete('/api/v1/windows/course-selection')
        .set('Authorization', bearer('editor'))
        .expect(204);
    });

    it('refuses to delete or replace the built-in any window', async () => {
      const del = await rc
        .http()
        .delete('/api/v1/windows/any')
        .set('Authorization', bearer('admin'));
      expect(del.status).toBe(409);
      expect(del.body).toMatchObject({ code: 'WINDOW_BUILTIN' });
      const put = await rc
        .http()
        .put('/api/v1/windows/any')
        .set('Authorization', bearer('admin'))
        .set('If-Match', '"1"')
        .send({ priority: 3 });
      expect(put.status).toBe(409);
    });
  });

  describe('explain', () => {
    it('shows the governing rule and every candidate', async () => {
      await rc
        .http()
        .post('/api/v1/windows')
        .set('Authorization', bearer('editor'))
        .send({
          name: 'fall',
          timezone: 'Asia/Shanghai',
          dateRanges: [{ from: '2026-09-01', to: '2027-01-15' }],
        })
        .expect(201);
      await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send(
          rule({ department: 'aa', window: 'fall', limit: { qps: 7 }, coreResources: ['enroll'] }),
        )
        .expect(201);
      const res = await rc
        .http()
        .get(
          '/api/v1/explain?department=aa&grade=2023&resource=enroll&at=2026-11-20T10:00:00%2B08:00',
        )
        .set('Authorization', bearer('viewer'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        outcome: 'GOVERNED',
        coreResource: true,
        governing: { window: 'fall', limit: { qps: 7 } },
      });
      expect(res.body.candidates.map((c: { key: string }) => c.key)).toEqual([
        'aa/2023/fall',
        'aa/2023/any',
      ]);
      const summer = await rc
        .http()
        .get('/api/v1/explain?department=aa&grade=2023&at=2026-07-01T10:00:00Z')
        .set('Authorization', bearer('viewer'));
      expect(summer.body.governing.window).toBe('any');
      const none = await rc
        .http()
        .get('/api/v1/explain?department=zz&grade=2023')
        .set('Authorization', bearer('viewer'));
      expect(none.body).toMatchObject({ outcome: 'NO_RULE', governing: null, candidates: [] });
    });

    it('rejects a wildcard department and a malformed time', async () => {
      const res = await rc
        .http()
        .get('/api/v1/explain?department=*&grade=2023&at=tomorrow')
        .set('Authorization', bearer('viewer'));
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^department must match/),
          expect.stringMatching(/^at must be an ISO-8601/),
        ]),
      );
    });
  });

  describe('export and import', () => {
    it('round-trips: export, dry-run import reports, real import writes in one transaction', async () => {
      const exported = await rc.http().get('/api/v1/export').set('Authorization', bearer('viewer'));
      expect(exported.status).toBe(200);
      expect(exported.body.windows.map((w: { name: string }) => w.name)).toEqual(['fall']);
      const doc = exported.body;
      doc.rules.push(rule({ department: 'new1' }), rule({ department: 'new2', window: 'fall' }));
      doc.rules[0].limit.qps = 999;

      const before = await dump();
      const dry = await rc
        .http()
        .post('/api/v1/import?dryRun=true')
        .set('Authorization', bearer('admin'))
        .send(doc);
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        dryRun: true,
        created: ['rules/new1/2023/any', 'rules/new2/2023/fall'],
        updated: [`rules/${doc.rules[0].department}/2023/${doc.rules[0].window}`],
      });
      expect(await dump()).toBe(before);

      const real = await rc
        .http()
        .post('/api/v1/import')
        .set('Authorization', bearer('admin'))
        .send(doc);
      expect(real.status).toBe(200);
      expect(real.body.created).toHaveLength(2);
      const audit = await rc
        .http()
        .get('/api/v1/audit?limit=1')
        .set('Authorization', bearer('admin'));
      expect(audit.body.items[0]).toMatchObject({ action: 'import', actor: 'root' });
      expect(
        (await rc.http().get('/api/v1/rules/new2/2023/fall').set('Authorization', bearer('viewer')))
          .status,
      ).toBe(200);
    });

    it('writes nothing when one rule among good ones is bad', async () => {
      const before = await dump();
      const res = await rc
        .http()
        .post('/api/v1/import')
        .set('Authorization', bearer('admin'))
        .send({
          rules: [
            rule({ department: 'ok1' }),
            rule({ department: 'BAD' }),
            rule({ department: 'ok2' }),
          ],
        });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([expect.stringMatching(/^rules\.1\.department must match/)]),
      );
      const missingWindow = await rc
        .http()
        .post('/api/v1/import')
        .set('Authorization', bearer('admin'))
        .send({
          rules: [rule({ department: 'ok1' }), rule({ department: 'ok3', window: 'ghost' })],
        });
      expect(missingWindow.status).toBe(400);
      expect(missingWindow.body.message[0]).toMatch(/ok3\/2023\/ghost references window "ghost"/);
      expect(await dump()).toBe(before);
    });

    it('refuses an import larger than one etcd transaction allows', async () => {
      const rules = Array.from({ length: 25 }, (_, i) => rule({ department: `d${i}` }));
      const res = await rc
        .http()
        .post('/api/v1/import')
        .set('Authorization', bearer('admin'))
        .send({ rules });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'IMPORT_TOO_LARGE' });
    });

    it('needs the admin role', async () => {
      expect(
        (await rc.http().post('/api/v1/import').set('Authorization', bearer('editor')).send({}))
          .status,
      ).toBe(403);
    });
  });

  describe('operations', () => {
    it('serves health, readiness, metrics and the OpenAPI document without auth', async () => {
      expect((await rc.http().get('/healthz')).body).toEqual({ status: 'ok' });
      const ready = await rc.http().get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.etcd).toMatchObject({ synced: true, source: 'etcd' });
      const metrics = await rc.http().get('/metrics');
      expect(metrics.text).toMatch(/^rulecenter_rules_loaded \d+$/m);
      expect(metrics.text).toMatch(/^rulecenter_rules_revision \d+$/m);
      expect(metrics.text).toContain('rulecenter_etcd_errors_total');
      expect(metrics.text).toContain('rulecenter_config_load_errors_total');
      expect(metrics.text).toContain('process_cpu_seconds_total');
      const docs = await rc.http().get('/api/docs-json');
      expect(docs.status).toBe(200);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/rules',
          '/api/v1/rules/{department}/{grade}/{window}',
          '/api/v1/explain',
          '/api/v1/import',
        ]),
      );
    });
  });
});
