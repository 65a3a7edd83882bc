import { ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
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
  /** SIGSTOPped: the process exists but answers nothing (a hung machine, a long GC pause). */
  paused: boolean;
}

export interface EtcdClusterOptions {
  /** Where each member's etcd log goes (`etcd-<name>.log`, appended across restarts); none by default. */
  logDir?: string;
}

/**
 * A real 3-member etcd cluster on loopback ports, for leader-failure drills and the chaos harness:
 * members can be paused (SIGSTOP/SIGCONT), killed and restarted on the same data dir and ports,
 * all at once (a whole-cluster outage), and the cluster compacted at its current revision.
 */
export class EtcdCluster {
  private readonly dir = mkdtempSync(join(tmpdir(), 'rc-etcd-cluster-'));
  private readonly members: Member[] = [];
  private initialCluster = '';

  private constructor(private readonly options: EtcdClusterOptions) {}

  static async start(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const cluster = new EtcdCluster(options);
    for (let i = 0; i < 3; i++)
      cluster.members.push({
        name: `m${i}`,
        client: await freePort(),
        peer: await freePort(),
        paused: false,
      });
    cluster.initialCluster = cluster.members
      .map((m) => `${m.name}=http://127.0.0.1:${m.peer}`)
      .join(',');
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });
    for (const m of cluster.members) cluster.spawnMember(m);
    await cluster.waitHealthy(30_000);
    return cluster;
  }

  /** Starts (or restarts) a member; with its data dir already there, etcd rejoins from it. */
  private spawnMember(m: Member): void {
    const url = `http://127.0.0.1:${m.client}`;
    const log = this.options.logDir
      ? openSync(join(this.options.logDir, `etcd-${m.name}.log`), 'a')
      : 'ignore';
    m.paused = false;
    m.process = spawn(
      'etcd',
      [
        '--name',
        m.name,
        '--data-dir',
        join(this.dir, m.name),
        '--listen-client-urls',
        url,
        '--advertise-client-urls',
        url,
        '--listen-peer-urls',
        `http://127.0.0.1:${m.peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${m.peer}`,
        '--initial-cluster',
        this.initialCluster,
        '--initial-cluster-state',
        'new',
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', log, log] },
    );
    if (typeof log === 'number') closeSync(log);
    killOnExit(m.process);
  }

  get endpoints(): string[] {
    return this.members.map((m) => `http://127.0.0.1:${m.client}`);
  }

  /** Endpoints of the members that can answer now (running, not paused). */
  get answeringEndpoints(): string[] {
    return this.members
      .filter((m) => EtcdCluster.running(m) && !m.paused)
      .map((m) => `http://127.0.0.1:${m.client}`);
  }

  get memberNames(): string[] {
    return this.members.map((m) => m.name);
  }

  private member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member ${name}`);
    return m;
  }

  private static running(m: Member): boolean {
    return !!m.process && m.process.exitCode === null && m.process.signalCode === null;
  }

  /** Runs etcdctl against the members that can answer (running, not paused); resolves with stdout. */
  async ctl(...args: string[]): Promise<string> {
    const answering = this.answeringEndpoints;
    if (answering.length === 0) throw new Error('no etcd member is running');
    const { stdout } = await run(
      'etcdctl',
      ['--endpoints', answering.join(','), '--command-timeout=5s', ...args],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
      },
    );
    return stdout;
  }

  /** Resolves once every member reports healthy (a write through the raft log succeeds). */
  async waitHealthy(timeoutMs: number): Promise<void> {
    await waitFor(
      'etcd cluster healthy',
      async () => {
        try {
          await this.ctl('endpoint', 'health', '--cluster');
          return true;
        } catch {
          return false;
        }
      },
      timeoutMs,
      200,
    );
  }

  /** Resolves once the named member answers a health check itself (false after `timeoutMs`). */
  async memberAnswers(name: string, timeoutMs: number): Promise<boolean> {
    const m = this.member(name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        await run(
          'etcdctl',
          ['--endpoints', `127.0.0.1:${m.client}`, '--command-timeout=1s', 'endpoint', 'health'],
          { env: { ...process.env, ETCDCTL_API: '3' } },
        );
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return false;
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

  /** SIGSTOPs the named members (all when none is named): they hold their sockets and answer nothing. */
  pause(names: string[] = this.memberNames): void {
    for (const m of names.map((n) => this.member(n))) {
      if (!EtcdCluster.running(m) || m.paused) continue;
      m.process?.kill('SIGSTOP');
      m.paused = true;
    }
  }

  /** SIGCONTs the named members (all when none is named). */
  resume(names: string[] = this.memberNames): void {
    for (const m of names.map((n) => this.member(n))) {
      if (!m.paused) continue;
      m.process?.kill('SIGCONT');
      m.paused = false;
    }
  }

  /** SIGKILLs the named members (all when none is named): a crash, or with all, an outage. */
  async kill(names: string[] = this.memberNames): Promise<void> {
    for (const m of names.map((n) => this.member(n))) {
      await killChild(m.process);
      m.paused = false;
    }
  }

  /** Starts the named members again (all when none is named) on their data dirs and ports. */
  restart(names: string[] = this.memberNames): void {
    for (const m of names.map((n) => this.member(n)))
      if (!EtcdCluster.running(m)) this.spawnMember(m);
  }

  /** etcd's current revision, read through the leader (linearizable). */
  async revision(): Promise<number> {
    const out = await this.ctl('get', 'rc-revision-probe', '--write-out=json');
    return Number((JSON.parse(out) as { header: { revision: number } }).header.revision);
  }

  /** Compacts the key-value history at the current revision; returns that revision. */
  async compact(): Promise<number> {
    const revision = await this.revision();
    await this.ctl('compact', String(revision));
    return revision;
  }

  async stop(): Promise<void> {
    for (const m of this.members) await killChild(m.process);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
