/**
 * Starts real processes for benchmarks: etcd, Redis, and N Rule Center instances built from
 * dist/ (the same `node dist/src/main.js` operators run). Everything on loopback, torn down at exit.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { EtcdServer } from '../../test/support/etcd-server';
import { RedisServer } from '../../test/support/redis-server';
import { freePort } from '../../test/support/ports';
import { migrateEtcd } from '../../test/support/app-instance';
import { spawnInstance } from '../../test/support/process-instance';

/** A benchmark-only secret, strong enough for the boot-time token check. */
export const ADMIN = 'bench-admin-token-5e0c8a1f9b3d7e2a4c6f8b0d1e3a5c7f';

export interface RuleCenterProcess {
  httpPort: number;
  grpcPort: number;
  process: ChildProcess;
  /** CPU seconds (user + system) the process has used so far, from /proc. */
  cpuSeconds(): number;
}

/** The rule every latency benchmark decides under: high enough that every call is admitted. */
export const BENCH_RULE = {
  department: 'bench',
  grade: '2023',
  window: 'any',
  limit: { qps: 10_000_000 },
};

export interface BenchCluster {
  etcd: EtcdServer;
  redis: RedisServer;
  instances: RuleCenterProcess[];
  rest(path: string, method?: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
}

export async function startCluster(
  instances: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BenchCluster> {
  if (!existsSync('dist/src/main.js')) execFileSync('npx', ['nest', 'build'], { stdio: 'inherit' });
  const etcd = await EtcdServer.start();
  const redis = await RedisServer.start();
  await migrateEtcd(etcd.endpoint);
  // Started one after another: each registers itself in etcd before the next starts.
  const started: RuleCenterProcess[] = [];
  for (let i = 0; i < instances; i++) {
    const instance = await spawnInstance(
      etcd.endpoint,
      redis.url,
      { AUTH_TOKENS: `bench:admin:${ADMIN}`, LOG_LEVEL: 'warn', INSTANCE_ID: `bench-${i}`, ...env },
      [...nodeArgs, 'dist/src/main.js'],
    );
    const pid = instance.child.pid ?? 0;
    started.push({
      httpPort: instance.httpPort,
      grpcPort: instance.grpcPort,
      process: instance.child,
      cpuSeconds: () => cpuSecondsOf(pid),
    });
  }
  const rest = (path: string, method = 'GET', body?: unknown) =>
    fetch(`http://127.0.0.1:${started[0].httpPort}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    etcd,
    redis,
    instances: started,
    rest,
    stop: async () => {
      for (const rc of started) rc.process.kill('SIGTERM');
      await Promise.all(
        started.map(
          (rc) =>
            new Promise((r) =>
              rc.process.exitCode !== null ? r(null) : rc.process.once('exit', r),
            ),
        ),
      );
      await etcd.destroy();
      await redis.stop();
    },
  };
}

export interface WorkerResult {
  calls: number;
  errors: number;
  elapsedMs: number;
  throughput: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  lagP99: number;
  generatorCpuPct: number;
  allows?: [number, number][];
}

/** Starts bench/floor-server.ts against the cluster's Redis and resolves once it listens. */
export const startFloor = (redisUrl: string): Promise<RuleCenterProcess> =>
  startReference('bench/floor-server.ts', redisUrl);

/** Starts a reference gRPC server script (floor, alternative) on a free port; resolves once it listens. */
export async function startReference(script: string, redisUrl: string): Promise<RuleCenterProcess> {
  const grpcPort = await freePort();
  const child = spawn(
    'node',
    ['-r', 'ts-node/register/transpile-only', script, String(grpcPort), redisUrl],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { httpPort: 0, grpcPort, process: child, cpuSeconds: () => cpuSecondsOf(child.pid ?? 0) };
}

/** Runs bench/load-worker.ts in its own process and returns its result. */
export function runWorker(job: Record<string, unknown>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'node',
      ['-r', 'ts-node/register/transpile-only', 'bench/load-worker.ts', JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as WorkerResult)
        : reject(new Error(`load worker exited ${code}`)),
    );
  });
}

export const fmt = (n: number, digits = 2): string =>
  Number.isFinite(n) ? n.toFixed(digits) : '-';
