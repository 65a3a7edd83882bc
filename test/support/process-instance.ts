import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_TOKENS } from './app-instance';
import { freePort, killOnExit, waitFor } from './ports';

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

export async function spawnInstance(
  etcdEndpoint: string,
  redisUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
): Promise<ProcessInstance> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const child = spawn('node', nodeArgs, {
    stdio: ['ignore', 'ignore', 'inherit'],
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
  killOnExit(child);
  const instance = {
    httpPort,
    grpcPort,
    child,
    url: (path: string) => `http://127.0.0.1:${httpPort}${path}`,
  };
  await waitFor(
    'instance process ready',
    async () => (await fetch(instance.url('/readyz')).catch(() => undefined))?.status === 200,
    60_000,
    200,
  );
  return instance;
}
