import pino from 'pino';
import { KEYS } from '../../src/domain/keys';
import { newAuditId } from '../../src/domain/audit';
import { AuditService } from '../../src/services/audit.service';
import { EtcdServer } from '../support/etcd-server';
import { storeFor } from '../support/app-instance';

describe('audit retention against a real etcd', () => {
  let etcd: EtcdServer;
  const store = () => storeFor(etcd.endpoint);

  beforeAll(async () => {
    etcd = await EtcdServer.start();
  });
  afterAll(async () => etcd.destroy());

  const seed = async (days: number[]) => {
    const s = store();
    const writes = days.map((d) => {
      const at = new Date(Date.UTC(2026, 0, 1 + d));
      const id = newAuditId(at);
      return {
        key: KEYS.audit(id),
        value: JSON.stringify({
          id,
          actor: 't',
          action: 'create',
          key: 'x',
          before: null,
          after: null,
          at: at.toISOString(),
        }),
      };
    });
    await s.commit({ guards: [], writes });
    await s.close();
  };
  const remaining = async () => {
    const s = store();
    const { entries } = await s.list(KEYS.auditPrefix);
    await s.close();
    return entries.map((e) => (JSON.parse(e.value) as { at: string }).at.slice(0, 10));
  };

  it('deletes records older than the age limit, then the oldest beyond the count limit, and lists newest first', async () => {
    await seed([0, 1, 2, 10, 11, 12, 13]);
    const s = store();
    const now = () => new Date(Date.UTC(2026, 0, 15));
    const audit = new AuditService(
      s,
      { retentionCount: 3, retentionDays: 7, maxTxnOps: 2 },
      pino({ level: 'silent' }),
      now,
    );
    expect(await audit.prune()).toBe(4); // 3 older than 7 days, then 1 more over the count of 3
    expect(await remaining()).toEqual(['2026-01-12', '2026-01-13', '2026-01-14']);
    expect((await audit.list(2)).items.map((r) => r.at.slice(0, 10))).toEqual([
      '2026-01-14',
      '2026-01-13',
    ]);
    expect(await audit.prune()).toBe(0);
    await s.close();
  });
});
