import { RuleIndexService } from '../../src/services/rule-index.service';
import { FileSnapshotStore } from '../../src/adapters/file/file-snapshot.store';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { ChangeFeedHandlers } from '../../src/ports/config-store.port';
import { MetricsService } from '../../src/observability/metrics.service';
import { migrate } from '../../src/services/schema-migrator';
import { EtcdServer } from '../support/etcd-server';
import { sleep, waitFor } from '../support/ports';
import { TcpProxy } from '../support/tcp-proxy';
import { DomainError } from '../../src/domain/errors';
import { storeFor } from '../support/app-instance';
import pino from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const P = '/rulecenter/v1/';
const ruleJson = (qps: number) => JSON.stringify({ limit: { qps } });

/**
 * The real etcd store, with its watch handlers reachable so a test can report the feed lost, and
 * able to refuse the next watch (a fault injected into one call; everything else is real etcd).
 */
class ObservedStore extends EtcdConfigStore {
  handlers?: ChangeFeedHandlers;
  refuseNextWatch = false;
  override watch(from: number, handlers: ChangeFeedHandlers) {
    if (this.refuseNextWatch) {
      this.refuseNextWatch = false;
      throw new DomainError('STORE_UNAVAILABLE', 'etcd is unavailable (watch): injected');
    }
    this.handlers = handlers;
    return super.watch(from, handlers);
  }
}

describe('RuleIndexService against a real etcd', () => {
  let etcd: EtcdServer;
  let store: ObservedStore;
  let metrics: MetricsService;
  let service: RuleIndexService;
  let snapshotPath: string;

  const newService = (s: EtcdConfigStore = store) =>
    new RuleIndexService(
      s,
      new FileSnapshotStore(snapshotPath),
      metrics,
      pino({ level: 'silent' }),
      { watchdogMs: 200 },
    );

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    const plain = storeFor(etcd.endpoint);
    await migrate(plain, 'test');
    await plain.close();
    await etcd.put(`${P}rules/cs/2023/any`, ruleJson(50));
    snapshotPath = join(mkdtempSync(join(tmpdir(), 'rc-snap-')), 'rules.json');
    store = new ObservedStore({ endpoints: [etcd.endpoint], prefix: P, requestTimeoutMs: 1000 });
    metrics = new MetricsService();
    service = newService();
    await service.start();
  });
  afterAll(async () => {
    await service.stop();
    await store.close();
    await etcd.destroy();
  });

  it('lists the prefix at start and is synced', async () => {
    expect(service.status()).toMatchObject({ source: 'etcd', rules: 1, windows: 1 });
    await waitFor('watch connected', () => service.status().synced, 5000, 5);
    expect(service.index.match('cs', '2023', Date.now())?.limit.qps).toBe(50);
  });

  it('applies watched changes within milliseconds', async () => {
    await etcd.put(`${P}rules/cs/2023/any`, ruleJson(70));
    await waitFor(
      'qps 70',
      () => service.index.match('cs', '2023', Date.now())?.limit.qps === 70,
      2000,
      2,
    );
    await etcd.ctl('del', `${P}rules/cs/2023/any`);
    await waitFor(
      'rule deleted',
      () => service.index.match('cs', '2023', Date.now()) === undefined,
      2000,
      2,
    );
  });

  it('rejects a malformed value written by someone else, counts it, and keeps the previous value and the rest', async () => {
    await etcd.put(`${P}rules/math/2024/any`, ruleJson(10));
    await waitFor('math rule', () => service.index.rule('math/2024/any') !== undefined);
    const before = (await metrics.configLoadErrors.get()).values.reduce((n, v) => n + v.value, 0);
    await etcd.put(`${P}rules/math/2024/any`, '{"limit":{"qps":"lots"}}');
    await etcd.put(`${P}rules/bio/2024/any`, ruleJson(5));
    await waitFor('bio rule', () => service.index.rule('bio/2024/any') !== undefined);
    expect(service.index.rule('math/2024/any')?.limit.qps).toBe(10);
    const after = (await metrics.configLoadErrors.get()).values.reduce((n, v) => n + v.value, 0);
    expect(after).toBe(before + 1);
  });

  it('relists when its watch is lost (e.g. compacted) and misses nothing', async () => {
    const resyncsBefore = (await metrics.indexResyncs.get()).values[0].value;
    await etcd.put(`${P}rules/chem/2025/any`, ruleJson(33));
    await etcd.compact();
    store.handlers?.onLost('Watcher canceled: compacted');
    await waitFor(
      'relisted',
      async () =>
        (await metrics.indexResyncs.get()).values[0].value > resyncsBefore &&
        service.status().synced,
      5000,
    );
    expect(service.index.rule('chem/2025/any')?.limit.qps).toBe(33);
    await etcd.put(`${P}rules/chem/2025/any`, ruleJson(34));
    await waitFor(
      'watch resumed after relist',
      () => service.index.rule('chem/2025/any')?.limit.qps === 34,
      3000,
    );
  });

  it('keeps serving through an etcd outage, resumes, and picks up changes made meanwhile', async () => {
    await etcd.stop();
    await waitFor('unsynced', () => !service.status().synced, 5000);
    expect(service.index.rule('chem/2025/any')?.limit.qps).toBe(34);

    // A restart during the outage comes back with the snapshot.
    await sleep(1300); // the snapshot file is written at most once a second
    const restartedStore = storeFor(etcd.endpoint);
    const restarted = newService(restartedStore);
    await restarted.start();
    expect(restarted.status()).toMatchObject({ synced: false, source: 'snapshot' });
    expect(restarted.index.rule('chem/2025/any')?.limit.qps).toBe(34);

    await etcd.resume();
    await etcd.put(`${P}rules/chem/2025/any`, ruleJson(35));
    await waitFor(
      'original instance caught up',
      () => service.index.rule('chem/2025/any')?.limit.qps === 35,
      15_000,
    );
    await waitFor(
      'restarted instance synced',
      () => restarted.status().synced && restarted.index.rule('chem/2025/any')?.limit.qps === 35,
      15_000,
    );
    await restarted.stop();
    await restartedStore.close();
  });

  it('is synced again after a stall that failed the watchdog probe (etcd SIGSTOP 1.5 s)', async () => {
    await waitFor('synced before', () => service.status().synced, 5000);
    etcd.freeze();
    await waitFor('a failed probe', () => !service.status().synced, 5000, 20);
    await sleep(1500);
    etcd.thaw();
    await etcd.put(`${P}rules/stall/2023/any`, ruleJson(12));
    await waitFor(
      'change applied',
      () => service.index.rule('stall/2023/any') !== undefined,
      10_000,
    );
    await waitFor('synced again', () => service.status().synced, 2000, 20);
  });

  it('retries when the watch of a sync could not be created', async () => {
    const faulty = new ObservedStore({
      endpoints: [etcd.endpoint],
      prefix: P,
      requestTimeoutMs: 1000,
    });
    faulty.refuseNextWatch = true;
    const other = newService(faulty);
    await other.start();
    await waitFor('synced after the failed watch', () => other.status().synced, 5000, 20);
    await etcd.put(`${P}rules/retry/2023/any`, ruleJson(13));
    await waitFor('change applied', () => other.index.rule('retry/2023/any') !== undefined, 5000);
    await other.stop();
    await faulty.close();
  });
});

describe('RuleIndexService behind a connection that goes half-dead', () => {
  it('notices writes its stalled watch did not deliver and resumes without a relist', async () => {
    const etcd = await EtcdServer.start();
    const proxy = await TcpProxy.start(etcd.clientPort);
    const plain = storeFor(etcd.endpoint);
    await migrate(plain, 'test');
    await plain.close();
    const store = new EtcdConfigStore({
      endpoints: [proxy.endpoint],
      prefix: P,
      requestTimeoutMs: 500,
    });
    const metrics = new MetricsService();
    const snapshotPath = join(mkdtempSync(join(tmpdir(), 'rc-snap-')), 'rules.json');
    const service = new RuleIndexService(
      store,
      new FileSnapshotStore(snapshotPath),
      metrics,
      pino({ level: 'silent' }),
      {
        watchdogMs: 200,
      },
    );
    try {
      await service.start();
      await waitFor('synced', () => service.status().synced, 5000);
      const resyncs = (await metrics.indexResyncs.get()).values[0].value;
      // Every connection open now stops moving bytes without an error; new ones still work.
      proxy.stall();
      const written = Date.now();
      await etcd.put(`${P}rules/half/2023/any`, ruleJson(21));
      await waitFor(
        'change applied',
        () => service.index.rule('half/2023/any') !== undefined,
        5000,
        10,
      );
      // gRPC keepalive alone would take 15 s; the watchdog needs two probes.
      expect(Date.now() - written).toBeLessThan(3000);
      expect((await metrics.indexResyncs.get()).values[0].value).toBe(resyncs);
      expect((await metrics.watchReconnects.get()).values).toEqual([
        expect.objectContaining({ labels: { reason: 'stale' }, value: 1 }),
      ]);
      await waitFor('synced', () => service.status().synced, 3000);
    } finally {
      await service.stop();
      await store.close();
      await proxy.stop();
      await etcd.destroy();
    }
  });
});
