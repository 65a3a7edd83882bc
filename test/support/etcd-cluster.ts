import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killChild, killOnExit, waitFor } from './ports';

const run = promisify(execFile);

interface Member {
  name: string;
  client: number;
  peer: number;
  process?: ChildProcess;
}

/** A real 3-member etcd cluster on loopback ports, for leader-failure drills. */
export class EtcdCluster {
  private readonly dir = mkdtempSync(join(tmpdir(), 'rc-etcd-cluster-'));
  private readonly members: Member[] = [];

  static async start(): Promise<EtcdCluster> {
    const cluster = new EtcdCluster();
    for (let i = 0; i < 3; i++)
      cluster.members.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
    const initial = cluster.members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
    for (const m of cluster.members) {
      const url = `http://127.0.0.1:${m.client}`;
      m.process = spawn(
        'etcd',
        [
          '--name',
          m.name,
          '--data-dir',
          join(cluster.dir, m.name),
          '--listen-client-urls',
          url,
          '--advertise-client-urls',
          url,
          '--listen-peer-urls',
          `http://127.0.0.1:${m.peer}`,
          '--initial-advertise-peer-urls',
          `http://127.0.0.1:${m.peer}`,
          '--initial-cluster',
          initial,
          '--initial-cluster-state',
          'new',
          '--log-level',
          'error',
        ],
        { stdio: 'ignore' },
      );
      killOnExit(m.process);
    }
    await waitFor(
      'etcd cluster healthy',
      async () => {
        try {
          await cluster.ctl('endpoint', 'health', '--cluster');
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      200,
    );
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => `http://127.0.0.1:${m.client}`);
  }

  async ctl(...args: string[]): Promise<string> {
    const alive = this.members.filter(
      (m) => m.process && m.process.exitCode === null && m.process.signalCode === null,
    );
    const { stdout } = await run(
      'etcdctl',
      [
        '--endpoints',
        alive.map((m) => `127.0.0.1:${m.client}`).join(','),
        '--command-timeout=5s',
        ...args,
      ],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
      },
    );
    return stdout;
  }

  /** Kills the current leader (SIGKILL) and returns its name. */
  async killLeader(): Promise<string> {
    const status = JSON.parse(await this.ctl('endpoint', 'status', '--write-out=json')) as {
      Endpoint: string;
      Status: { leader: string; header: { member_id: string } };
    }[];
    const leader = status.find(
      (s) => String(s.Status.leader) === String(s.Status.header.member_id),
    );
    if (!leader) throw new Error('no leader');
    const member = this.members.find((m) => leader.Endpoint.endsWith(`:${m.client}`));
    if (!member) throw new Error(`leader ${leader.Endpoint} is not a member`);
    await killChild(member.process);
    return member.name;
  }

  async stop(): Promise<void> {
    for (const m of this.members) await killChild(m.process);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
