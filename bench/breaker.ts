/**
 * Breaker benchmark (issue 4): gateways in front of a fake backend, deciding through two Rule
 * Center instances and reporting every outcome. The backend fails at a known instant and recovers
 * later. Prints how long until every instance answers CIRCUIT_OPEN, how many probes each half-open
 * episode let through (never more than halfOpenMaxCalls), and how long until it is closed again.
 *
 *   npm run bench:breaker
 */
import { ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../src/transport/grpc/proto';
import { fmt, startCluster } from './lib/cluster';

const BREAKER = {
  enabled: true,
  statWindowMs: 2000,
  minRequests: 20,
  errorRateThreshold: 0.5,
  slowCallMs: 200,
  slowCallRateThreshold: 0.5,
  openMs: 1000,
  halfOpenMaxCalls: 5,
};
const GATEWAYS = 8;
const FAIL_AFTER_MS = 2000;
const RECOVER_AFTER_MS = 6000;
const END_AFTER_MS = 9000;

type Unary = (
  req: object,
  cb: (e: ServiceError | null, r: Record<string, unknown>) => void,
) => void;
const call = (fn: Unary, req: object) =>
  new Promise<Record<string, unknown>>((resolve, reject) =>
    fn(req, (e, r) => (e ? reject(e) : resolve(r))),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const cluster = await startCluster(2);
  const Service = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
  const clients = cluster.instances.map(
    (i) =>
      new Service(`127.0.0.1:${i.grpcPort}`, credentials.createInsecure()) as unknown as {
        Decide: Unary;
        ReportOutcomes: Unary;
        close(): void;
      },
  );
  try {
    await cluster.rest('/api/v1/rules', 'POST', {
      department: 'bk',
      grade: '2023',
      window: 'any',
      limit: { qps: 1_000_000 },
      breaker: BREAKER,
    });
    await sleep(300);
    const start = Date.now();
    const backendHealthy = () => {
      const t = Date.now() - start;
      return t < FAIL_AFTER_MS || t >= RECOVER_AFTER_MS;
    };
    const openSeen = [Infinity, Infinity];
    const closedAgain = [Infinity, Infinity];
    // Probes let through per half-open episode, cluster-wide (an episode ends at the next OPEN or CLOSED answer).
    const episodes: number[] = [];
    let episode = 0;
    let inHalfOpen = false;
    const observe = (instance: number, r: Record<string, unknown>, at: number) => {
      const state = r.breaker_state;
      if (r.reason === 'CIRCUIT_OPEN' && at >= FAIL_AFTER_MS)
        openSeen[instance] = Math.min(openSeen[instance], at);
      if (state === 'HALF_OPEN') {
        if (!inHalfOpen) episode = 0;
        inHalfOpen = true;
        if (r.verdict === 'ALLOW') episode++;
      } else if (inHalfOpen) {
        episodes.push(episode);
        inHalfOpen = false;
      }
      if (at >= RECOVER_AFTER_MS && state === 'CLOSED' && r.verdict === 'ALLOW')
        closedAgain[instance] = Math.min(closedAgain[instance], at);
    };
    const gateway = async (g: number) => {
      let n = 0;
      while (Date.now() - start < END_AFTER_MS) {
        const instance = (g + n++) % 2;
        const client = clients[instance];
        const r = await call(client.Decide.bind(client), {
          department: 'bk',
          grade: '2023',
          resource: 'enroll',
        });
        observe(instance, r, Date.now() - start);
        if (r.verdict === 'ALLOW') {
          const ok = backendHealthy();
          await sleep(ok ? 3 : 1);
          await call(client.ReportOutcomes.bind(client), {
            outcomes: [{ department: 'bk', grade: '2023', success: ok, latency_ms: ok ? 3 : 1 }],
          });
        } else await sleep(5);
      }
    };
    await Promise.all(Array.from({ length: GATEWAYS }, (_, g) => gateway(g)));
    if (inHalfOpen) episodes.push(episode);
    const toOpen = Math.max(...openSeen) - FAIL_AFTER_MS;
    const toClose = Math.max(...closedAgain) - RECOVER_AFTER_MS;
    console.log(
      `\n### Breaker: backend fails at ${FAIL_AFTER_MS / 1000} s, recovers at ${RECOVER_AFTER_MS / 1000} s; ${GATEWAYS} gateways over 2 instances\n`,
    );
    console.log(`rule breaker: ${JSON.stringify(BREAKER)}\n`);
    console.log(
      '| failure → every instance answers CIRCUIT_OPEN | half-open episodes | probes per episode (max allowed 5) | recovery → every instance ALLOW/CLOSED |',
    );
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| ${fmt(toOpen, 0)} ms | ${episodes.length} | ${episodes.join(', ') || '-'} (max ${Math.max(0, ...episodes)}) | ${fmt(toClose, 0)} ms |`,
    );
    if (Math.max(0, ...episodes) > BREAKER.halfOpenMaxCalls) {
      console.error('FAIL: a half-open episode let more probes through than halfOpenMaxCalls');
      process.exitCode = 1;
    }
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
