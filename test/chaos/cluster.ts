import { ChildProcess } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { migrate } from '../../src/services/schema-migrator';
import { EtcdCluster } from '../support/etcd-cluster';
import { freePort, killChild, sleep } from '../support/ports';
import { spawnInstance } from '../support/process-instance';
import { RedisServer } from '../support/redis-server';

export const ETCD_PREFIX = '/rulecenter/v1/';
export const INSTANCE_TTL_SECONDS = 2;
export const REDIS_TIMEOUT_MS = 100;

/** The configuration the issue asks for: short timeouts, so faults are noticed (and recovered) fast. */
const INSTANCE_ENV = {
  ETCD_PREFIX,
  INSTANCE_TTL_SECONDS: String(INSTANCE_TTL_SECONDS),
  ETCD_REQUEST_TIMEOUT_MS: '500',
  ETCD_WATCHDOG_MS: '300',
  REDIS_TIMEOUT_MS: String(REDIS_TIMEOUT_MS),
  SHUTDOWN_GRACE_MS: '2000',
  LOG_LEVEL: 'warn',
};

/** One OS process of a Rule Center slot; a restart is a new incarnation on the same ports. */
export interface Incarnation {
  /** INSTANCE_ID, unique per process so its registration in etcd can be told from its predecessor's. */
  id: string;
  slot: string;
  generation: number;
  child: ChildProcess;
  spawnedAt: number;
  /** When /healthz first answered (the process serves); undefined if it never started. */
  startedAt?: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  /** What the harness did to end it; an exit without one is a crash. */
  stoppedWith?: 'SIGKILL' | 'SIGTERM' | 'teardown';
  stoppedAt?: number;
  stdoutFile: string;
  stderrFile: string;
}

/** A Rule Center "machine": fixed ports and snapshot file, a sequence of processes. */
export class InstanceSlot {
  readonly incarnations: Incarnation[] = [];
  /** Periods when calls to this slot may fail because the harness is killing or starting it. */
  readonly disruptions: { from: number; to?: number }[] = [];

  constructor(
    readonly name: string,
    readonly httpPort: number,
    readonly grpcPort: number,
    readonly snapshotPath: string,
  ) {}

  get current(): Incarnation | undefined {
    const last = this.incarnations[this.incarnations.length - 1];
    return last && last.startedAt !== undefined && !last.exit && !last.stoppedWith
      ? last
      : undefined;
  }

  /** Up and not being disrupted: where watchers, the writer and the load may go. */
  get live(): boolean {
    return this.current !== undefined && this.disruptions.every((d) => d.to !== undefined);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.httpPort}${path}`;
  }

  /** Was the slot being killed or started at any moment of [from, to] (with a margin after)? */
  disruptedDuring(from: number, to: number, marginMs = 1000): boolean {
    return this.disruptions.some(
      (d) => from <= (d.to === undefined ? Infinity : d.to + marginMs) && to >= d.from,
    );
  }
}

/**
 * The system under test, all real processes: a 3-member etcd cluster, one Redis, and N Rule
 * Center processes started with ts-node, each with its stdout/stderr in the run directory.
 */
export class ChaosEnvironment {
  readonly slots: InstanceSlot[] = [];

  private constructor(
    readonly runDir: string,
    readonly etcd: EtcdCluster,
    readonly redis: RedisServer,
  ) {}

  static async start(runDir: string, instances = 3): Promise<ChaosEnvironment> {
    mkdirSync(runDir, { recursive: true });
    const etcd = await EtcdCluster.start({ logDir: runDir });
    const redis = await RedisServer.start();
    const env = new ChaosEnvironment(runDir, etcd, redis);
    try {
      const store = new EtcdConfigStore({
        endpoints: etcd.endpoints,
        prefix: ETCD_PREFIX,
        requestTimeoutMs: 3000,
      });
      await migrate(store, 'chaos');
      await store.close();
      for (let i = 0; i < instances; i++) {
        const name = `rc${i}`;
        env.slots.push(
          new InstanceSlot(
            name,
            await freePort(),
            await freePort(),
            join(runDir, `${name}-snapshot.json`),
          ),
        );
      }
      await Promise.all(env.slots.map((s) => env.startInstance(s)));
    } catch (error) {
      await env.teardown();
      throw error;
    }
    return env;
  }

  get liveSlots(): InstanceSlot[] {
    return this.slots.filter((s) => s.live);
  }

  slot(name: string): InstanceSlot {
    const slot = this.slots.find((s) => s.name === name);
    if (!slot) throw new Error(`no instance slot ${name}`);
    return slot;
  }

  /**
   * Starts a new process in the slot and waits until it serves HTTP (/healthz: while etcd is
   * down a correct instance may rightly not be strictly ready). Throws if it does not start.
   */
  async startInstance(slot: InstanceSlot): Promise<Incarnation> {
    const generation = slot.incarnations.length + 1;
    const id = `${slot.name}-g${generation}`;
    const spawnedAt = Date.now();
    const stdoutFile = join(this.runDir, `${id}.stdout.log`);
    const stderrFile = join(this.runDir, `${id}.stderr.log`);
    const started = await spawnInstance(
      this.etcd.endpoints.join(','),
      this.redis.url,
      { ...INSTANCE_ENV, INSTANCE_ID: id, SNAPSHOT_PATH: slot.snapshotPath },
      undefined,
      {
        httpPort: slot.httpPort,
        grpcPort: slot.grpcPort,
        stdoutFile,
        stderrFile,
        readyPath: '/healthz',
        readyTimeoutMs: 60_000,
      },
    );
    const incarnation: Incarnation = {
      id,
      slot: slot.name,
      generation,
      child: started.child,
      spawnedAt,
      startedAt: Date.now(),
      stdoutFile,
      stderrFile,
    };
    const exited = (code: number | null, signal: NodeJS.Signals | null) =>
      (incarnation.exit ??= { code, signal, at: Date.now() });
    if (started.child.exitCode !== null || started.child.signalCode !== null)
      exited(started.child.exitCode, started.child.signalCode);
    else started.child.once('exit', exited);
    slot.incarnations.push(incarnation);
    return incarnation;
  }

  /**
   * Ends the slot's process with a signal and waits for it to exit. A SIGTERMed process that
   * has not exited within 15 s (grace is 2 s) is SIGKILLed; the caller sees it in `exit`.
   */
  async stopInstance(slot: InstanceSlot, signal: 'SIGKILL' | 'SIGTERM'): Promise<Incarnation> {
    const incarnation = slot.current;
    if (!incarnation) throw new Error(`${slot.name} has no running process`);
    slot.disruptions.push({ from: Date.now() });
    incarnation.stoppedWith = signal;
    incarnation.stoppedAt = Date.now();
    const exited = new Promise((r) => incarnation.child.once('exit', r));
    incarnation.child.kill(signal);
    if (signal === 'SIGTERM') {
      const late = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
      if (late) await killChild(incarnation.child);
    } else await exited;
    return incarnation;
  }

  /** Marks the end of the slot's disruption (after a restart, or a failed one). */
  endDisruption(slot: InstanceSlot): void {
    const open = slot.disruptions.find((d) => d.to === undefined);
    if (open) open.to = Date.now();
  }

  /**
   * Writes `revisions` puts, 24 at a time, to 50 keys under the prefix that are neither rules nor
   * windows (audit records and registrations share the prefix the same way). A watch that is
   * behind by more than etcd sends in one round (1,000 revisions) catches up over several rounds,
   * which is where a resume point taken from a response header skips revisions.
   */
  async writeBurst(revisions: number): Promise<{ written: number; failed: number }> {
    if (this.etcd.answeringEndpoints.length === 0) return { written: 0, failed: revisions };
    const client = new Etcd3({
      hosts: this.etcd.answeringEndpoints,
      dialTimeout: 1000,
      defaultCallOptions: () => ({ deadline: Date.now() + 2000 }),
    });
    let written = 0;
    let failed = 0;
    try {
      for (let i = 0; i < revisions && failed < 100; i += 24) {
        await Promise.all(
          Array.from({ length: Math.min(24, revisions - i) }, (_, j) =>
            client
              .put(`${ETCD_PREFIX}chaos-burst/k${(i + j) % 50}`)
              .value(String(i + j))
              .then(
                () => written++,
                () => failed++,
              ),
          ),
        );
      }
    } finally {
      client.close();
    }
    return { written, failed };
  }

  async teardown(): Promise<void> {
    for (const incarnation of this.slots.flatMap((s) => s.incarnations)) {
      if (incarnation.exit) continue;
      incarnation.stoppedWith ??= 'teardown';
      await killChild(incarnation.child);
    }
    await this.redis.stop();
    await this.etcd.stop();
  }
}
