import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_TOKENS } from './app-instance';
import { freePort, killChild, killOnExit, waitFor } from './ports';

/**
 * A Rule Center as its own OS process, for drills that kill it and for benchmarks. By default it
 * runs the TypeScript sources (no build); benchmarks pass ['dist/src/main.js'] to run the build.
 */
export interface ProcessInstance {
  httpPort: number;
  grpcPort: number;
  child: ChildProcess;
  url(path: string): string;
}

export interface SpawnOptions {
  /** Fixed ports, so a restarted instance comes back where its clients look for it. */
  httpPort?: number;
  grpcPort?: number;
  /** Files the process's stdout / stderr are appended to (default: stdout dropped, stderr inherited). */
  stdoutFile?: string;
  stderrFile?: string;
  /** Path polled until it answers 200 (default /readyz; /healthz when readiness may rightly be 503). */
  readyPath?: string;
  readyTimeoutMs?: number;
}

export async function spawnInstance(
  etcdEndpoint: string,
  redisUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
  options: SpawnOptions = {},
): Promise<ProcessInstance> {
  const httpPort = options.httpPort ?? (await freePort());
  const grpcPort = options.grpcPort ?? (await freePort());
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore';
  const stderr = options.stderrFile ? openSync(options.stderrFile, 'a') : 'inherit';
  const child = spawn('node', nodeArgs, {
    stdio: ['ignore', stdout, stderr],
    env: {
      ...process.env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      ETCD_ENDPOINTS: etcdEndpoint,
      REDIS_URL: redisUrl,
      AUTH_TOKENS,
      LOG_LEVEL: 'silent',
      SNAPSHOT_PATH: join(mkdtempSync(join(tmpdir(), 'rc-proc-')), 'rules.json'),
      ...env,
    },
  });
  for (const fd of [stdout, stderr]) if (typeof fd === 'number') closeSync(fd);
  killOnExit(child);
  const instance = {
    httpPort,
    grpcPort,
    child,
    url: (path: string) => `http://127.0.0.1:${httpPort}${path}`,
  };
  const readyPath = options.readyPath ?? '/readyz';
  // A process that dies while starting fails the start at once instead of after the timeout.
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `code ${code}, signal ${signal}`));
  try {
    await waitFor(
      'instance process ready',
      async () =>
        exit !== undefined ||
        (await fetch(instance.url(readyPath)).catch(() => undefined))?.status === 200,
      options.readyTimeoutMs ?? 60_000,
      200,
    );
  } catch (error) {
    await killChild(child);
    throw error;
  }
  if (exit !== undefined) throw new Error(`instance process exited while starting (${exit})`);
  return instance;
}
