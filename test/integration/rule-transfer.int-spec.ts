import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { applyRuleDefaults } from '../../src/domain/rule';
import { applyWindowDefaults } from '../../src/domain/time-window';
import { CommitResult, Transaction } from '../../src/ports/config-store.port';
import { RuleIndex } from '../../src/domain/rule-index';
import { RuleTransferService } from '../../src/services/rule-transfer.service';
import { migrate } from '../../src/services/schema-migrator';
import { EtcdServer } from '../support/etcd-server';

const P = '/rulecenter/v1/';

/** Real etcd; a test can slip another writer's change in just before the next commit. */
class RacingStore extends EtcdConfigStore {
  beforeNextCommit?: () => Promise<void>;
  override async commit(transaction: Transaction): Promise<CommitResult> {
    const race = this.beforeNextCommit;
    this.beforeNextCommit = undefined;
    await race?.();
    return super.commit(transaction);
  }
}

describe('import against a real etcd, racing other writers', () => {
  let etcd: EtcdServer;
  let store: RacingStore;
  let transfer: RuleTransferService;
  const live = { index: RuleIndex.empty(), waitForRevision: async () => true };
  const rule = (department: string, window: string) => ({
    department,
    grade: '2023',
    window,
    ...applyRuleDefaults({ limit: { qps: 5 } }),
  });
  const exists = async (key: string) => (await etcd.ctl('get', `${P}${key}`)).trim() !== '';

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    store = new RacingStore({ endpoints: [etcd.endpoint], prefix: P, requestTimeoutMs: 2000 });
    await migrate(store, 'test');
    transfer = new RuleTransferService(store, live, {
      maxTxnOps: 128,
      writeVisibilityTimeoutMs: 0,
    });
  });
  afterAll(async () => {
    await store.close();
    await etcd.destroy();
  });

  it('refuses to commit a rule whose window was deleted after the plan', async () => {
    await etcd.put(`${P}windows/exam`, JSON.stringify(applyWindowDefaults({})));
    store.beforeNextCommit = async () => {
      await etcd.ctl('del', `${P}windows/exam`);
    };
    await expect(transfer.importAll([], [rule('cs', 'exam')], 'admin')).rejects.toMatchObject({
      code: 'REVISION_CONFLICT',
    });
    expect(await exists('rules/cs/2023/exam')).toBe(false);
  });

  it('refuses to recreate a rule another admin deleted after the plan', async () => {
    await etcd.put(
      `${P}rules/math/2023/any`,
      JSON.stringify(applyRuleDefaults({ limit: { qps: 1 } })),
    );
    store.beforeNextCommit = async () => {
      await etcd.ctl('del', `${P}rules/math/2023/any`);
    };
    await expect(transfer.importAll([], [rule('math', 'any')], 'admin')).rejects.toMatchObject({
      code: 'REVISION_CONFLICT',
    });
    expect(await exists('rules/math/2023/any')).toBe(false);
  });

  it('commits when nothing raced it', async () => {
    await etcd.put(`${P}windows/final`, JSON.stringify(applyWindowDefaults({})));
    const report = await transfer.importAll([], [rule('bio', 'final')], 'admin');
    expect(report.created).toEqual(['rules/bio/2023/final']);
    expect(await exists('rules/bio/2023/final')).toBe(true);
  });
});
