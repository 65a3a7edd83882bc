import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killChild, killOnExit, waitFor } from './ports';

const run = promisify(execFile);

/**
 * A real 3-master Redis Cluster on loopback (`redis-server --cluster-enabled yes` × 3, joined by
 * `redis-cli --cluster create`), for the hash-slot claims of the key layout.
 */
export class RedisClusterServer {
  private readonly processes: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'rc-redis-cluster-'));
  readonly ports: number[] = [];

  static async start(): Promise<RedisClusterServer> {
    const cluster = new RedisClusterServer();
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      cluster.ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(cluster.dir, `nodes-${port}.conf`),
          '--save',
          '',
          '--appendonly',
          'no',
          // Fail a dead master in 1 s, not 15 s, so a test can reach CLUSTERDOWN quickly.
          '--cluster-node-timeout',
          '1000',
          '--dir',
          cluster.dir,
        ],
        { stdio: 'ignore' },
      );
      killOnExit(child);
      cluster.processes.push(child);
    }
    for (const port of cluster.ports) {
      await waitFor(
        `redis ${port}`,
        async () =>
          (
            await run('redis-cli', ['-p', String(port), 'ping']).catch(() => ({ stdout: '' }))
          ).stdout.trim() === 'PONG',
        10_000,
        50,
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...cluster.ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      'cluster ok',
      async () =>
        (
          await run('redis-cli', ['-p', String(cluster.ports[0]), 'cluster', 'info'])
        ).stdout.includes('cluster_state:ok'),
      20_000,
      100,
    );
    return cluster;
  }

  get nodes(): string[] {
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  /** SIGKILLs one master (there are no replicas: its slots go down with it). */
  async kill(index: number): Promise<void> {
    await killChild(this.processes[index]);
  }

  async stop(): Promise<void> {
    for (const child of this.processes) await killChild(child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
