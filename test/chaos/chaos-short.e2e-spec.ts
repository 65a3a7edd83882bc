import { runChaos } from './harness';

/**
 * The short, seeded form of the chaos harness (the long one: `npm run chaos -- --seed N
 * --minutes M`). Real processes: a 3-member etcd, Redis, three Rule Center processes; about 50 s
 * of overlapping faults of every kind, then every invariant is checked against the oracle. A
 * failure prints the table with the seed, so `npm run chaos -- --seed 1 --seconds 50` replays
 * the same schedule; logs and report.json are in .run/chaos/1/.
 */
const SEED = 1;
const CHAOS_SECONDS = 50;

describe(`chaos (short form, seed ${SEED})`, () => {
  it('violates no invariant under overlapping etcd, Redis and instance faults', async () => {
    process.stdout.write(`chaos short form: seed ${SEED}\n`);
    const report = await runChaos({ seed: SEED, chaosSeconds: CHAOS_SECONDS });
    const failed = report.checks
      .filter((c) => c.result === 'FAIL')
      .map((c) => `seed ${SEED} ${c.id} ${c.title}: ${c.violations} — ${c.examples[0]}`);
    expect(failed).toEqual([]);
  }, 170_000);
});
