import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EtcdServer } from '../support/etcd-server';
import { Oracle } from './oracle';

const P = '/oracle-test/';

describe('chaos oracle against a real etcd', () => {
  let etcd: EtcdServer;
  let oracle: Oracle | undefined;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
  });
  afterEach(async () => {
    await oracle?.stop();
  });
  afterAll(async () => {
    await etcd.destroy();
  });

  const start = () => {
    oracle = new Oracle([etcd.endpoint], P, join(tmpdir(), 'oracle-test.log'));
    oracle.start();
    return oracle;
  };

  it('records every put and delete with its revision and value, and resumes across a restart of etcd', async () => {
    await etcd.put(`${P}rules/a/2023/any`, '{"v":1}');
    await etcd.ctl('del', `${P}rules/a/2023/any`);
    const o = start();
    await o.waitCaughtUp(await etcd.revision(), 10_000);
    await etcd.stop();
    await etcd.resume();
    await etcd.put(`${P}windows/w`, '{"v":2}');
    const last = await etcd.revision();
    await o.waitCaughtUp(last, 20_000);
    const mine = o.events.filter((e) => e.revision > 1);
    expect(mine.map((e) => [e.key, e.value])).toEqual(
      expect.arrayContaining([
        ['rules/a/2023/any', '{"v":1}'],
        ['rules/a/2023/any', null],
        ['windows/w', '{"v":2}'],
      ]),
    );
    expect(o.stateAt(last)?.get('windows/w')).toEqual({ value: '{"v":2}', modRevision: last });
    expect(o.stateAt(last)?.has('rules/a/2023/any')).toBe(false);
    expect(o.gaps).toEqual([]);
  });

  it('when history it needs was compacted, reads the state there and marks what it missed as unknown', async () => {
    await etcd.put(`${P}rules/b/2023/any`, '{"v":3}');
    const compacted = await etcd.compact();
    const o = start();
    await etcd.put(`${P}rules/c/2023/any`, '{"v":4}');
    const last = await etcd.revision();
    await o.waitCaughtUp(last, 10_000);
    expect(o.gaps.map((g) => [g.from, g.to])).toEqual([[0, compacted]]);
    expect(o.knows(0, last)).toBe(false);
    expect(o.eventsIn(1, last)).toBeUndefined();
    expect(o.eventsIn(compacted, last)?.map((e) => e.key)).toEqual(['rules/c/2023/any']);
    expect(o.stateAt(compacted - 1)).toBeUndefined();
    expect(o.stateAt(last)?.get('rules/b/2023/any')?.value).toBe('{"v":3}');
  });
});
