/**
 * Starts real processes for benchmarks: etcd, Redis, and N Rule Center instances built from
 * dist/ (the same `node dist/src/main.js` operators run). Everything on loopback, torn down at exit.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { EtcdServer } from '../../test/support/etcd-server';
import { RedisServer } from '../../test/support/redis-server';
import { freePort, killOnExit } from '../../test/support/ports';
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

/**
 * The rule every latency benchmark decides under: high enough that every call is admitted, and
 * at the exact sliding log's budget cap (100,000 per window), so the default algorithm accepts it.
 */
export const BENCH_RULE = {
  department: 'bench',
  grade: '2023',
  window: 'any',
  limit: { qps: 100_000 },
};

/** Creates a rule through REST and fails loudly if it was refused (a benchmark of NO_RULE is no benchmark). */
export async function createRule(cluster: BenchCluster, rule: unknown): Promise<void> {
  const res = await cluster.rest('/api/v1/rules', 'POST', rule);
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`rule refused (${res.status}): ${await res.text()}`);
}

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
  /** Calls made before the measured stretch (bench/h2-worker.ts): the server did them too. */
  warmupCalls?: number;
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
  killOnExit(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { httpPort: 0, grpcPort, process: child, cpuSeconds: () => cpuSecondsOf(child.pid ?? 0) };
}

/**
 * Pins a running process (all its threads) to one CPU, so a generator and a server measured
 * together do not queue for the same core. Unpinned figures would not be comparable, so a
 * missing `taskset` (util-linux) stops the benchmark.
 */
export function pinToCpu(pid: number | undefined, cpu: number): void {
  if (pid === undefined) throw new Error(`no process to pin to CPU ${cpu}`);
  try {
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch (error) {
    throw new Error(
      `could not pin ${pid} to CPU ${cpu} with taskset (util-linux): ${String(error)}`,
    );
  }
}

/** Runs bench/load-worker.ts (grpc-js client) in its own process and returns its result. */
export const runWorker = (job: Record<string, unknown>, cpu?: number): Promise<WorkerResult> =>
  runGenerator('bench/load-worker.ts', job, cpu);

/** Runs bench/h2-worker.ts (raw HTTP/2, pre-encoded frames: the cheap generator) in its own process. */
export const runH2Worker = (job: Record<string, unknown>, cpu?: number): Promise<WorkerResult> =>
  runGenerator('bench/h2-worker.ts', job, cpu);

/**
 * Runs a generator script (it takes its job as JSON in argv[2] and prints one JSON line) in its
 * own process, on `cpu` when given, and returns what it printed.
 */
export function runGenerator<Result = WorkerResult>(
  script: string,
  job: Record<string, unknown>,
  cpu?: number,
): Promise<Result> {
  const command = ['node', '-r', 'ts-node/register/transpile-only', script, JSON.stringify(job)];
  if (cpu !== undefined) command.unshift('taskset', '-c', String(cpu));
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', (error) =>
      reject(
        new Error(`${command[0]} could not start (${error.message}); taskset is in util-linux`),
      ),
    );
    child.on('exit', (code) => {
      if (code !== 0 || out.trim() === '')
        return reject(new Error(`${script} exited ${code} without a result`));
      resolve(JSON.parse(out) as Result);
    });
  });
}

export const fmt = (n: number, digits = 2): string =>
  Number.isFinite(n) ? n.toFixed(digits) : '-';
