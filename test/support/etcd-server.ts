import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killChild, killOnExit, waitFor } from './ports';

const run = promisify(execFile);

/** PEM files for an etcd that speaks only TLS and wants a client certificate signed by `ca`. */
export interface EtcdTlsFiles {
  cert: string;
  key: string;
  ca: string;
  clientCert: string;
  clientKey: string;
}

/**
 * A real single-member etcd (Debian's etcd 3.4) on free loopback ports with its own data dir.
 * Tests can stop, kill, restart and compact it to exercise docs/failure-behaviour.md.
 */
export class EtcdServer {
  private process?: ChildProcess;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'rulecenter-etcd-'));

  private constructor(
    readonly clientPort: number,
    private readonly peerPort: number,
    private readonly tls?: EtcdTlsFiles,
  ) {}

  static async start(tls?: EtcdTlsFiles): Promise<EtcdServer> {
    const server = new EtcdServer(await freePort(), await freePort(), tls);
    await server.resume();
    return server;
  }

  /** The server's process id while it runs (benchmarks pin it to a core). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  get endpoint(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`;
  }

  private get tlsArgs(): { server: string[]; client: string[] } {
    const tls = this.tls;
    if (!tls) return { server: [], client: [] };
    return {
      server: [
        '--cert-file',
        tls.cert,
        '--key-file',
        tls.key,
        '--trusted-ca-file',
        tls.ca,
        '--client-cert-auth',
      ],
      client: ['--cacert', tls.ca, '--cert', tls.clientCert, '--key', tls.clientKey],
    };
  }

  /** Starts (again) on the same ports and data dir. */
  async resume(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.process = spawn(
      'etcd',
      [
        '--name',
        'default',
        '--data-dir',
        this.dataDir,
        '--listen-client-urls',
        this.endpoint,
        '--advertise-client-urls',
        this.endpoint,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        `default=${peer}`,
        '--max-txn-ops',
        '1024',
        '--log-level',
        'error',
        ...this.tlsArgs.server,
      ],
      { stdio: 'ignore' },
    );
    killOnExit(this.process);
    await waitFor(
      'etcd to answer',
      async () => {
        try {
          await this.ctl('endpoint', 'health');
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      100,
    );
  }

  /** Stops the process (SIGKILL: an outage, not a graceful leave). */
  async stop(): Promise<void> {
    await killChild(this.process);
    this.process = undefined;
  }

  /** SIGSTOP: the process stops answering but keeps its connections (a stall, not a crash). */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Runs etcdctl against this server; resolves with stdout. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run(
      'etcdctl',
      ['--endpoints', this.endpoint, '--command-timeout=3s', ...this.tlsArgs.client, ...args],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
      },
    );
    return stdout;
  }

  async put(key: string, value: string): Promise<void> {
    await this.ctl('put', key, value);
  }

  async revision(): Promise<number> {
    const out = await this.ctl('endpoint', 'status', '--write-out=json');
    return Number(
      (JSON.parse(out) as { Status: { header: { revision: number } } }[])[0].Status.header.revision,
    );
  }

  async compact(): Promise<number> {
    const revision = await this.revision();
    await this.ctl('compact', String(revision));
    return revision;
  }
}
