import { sleep, waitFor } from '../support/ports';
import { ChaosEnvironment } from './cluster';
import { Rng } from './rng';
import { FaultKind, PlannedFault, describeFault, laneOf } from './schedule';

/** A planned fault and what happened when it was injected (absolute ms timestamps). */
export interface FaultRecord extends PlannedFault {
  startedAt?: number;
  /** When the fault was undone (process continued / restarted). */
  endedAt?: number;
  /** When the faulted part answered again (etcd healthy, Redis answering, instance serving). */
  recoveredAt?: number;
  note?: string;
  /** Set when the fault could not be injected or undone as planned: a harness or environment problem. */
  failed?: string;
}

export const touchesEtcd = (kind: FaultKind): boolean => laneOf(kind) === 'etcd';

/**
 * Injects a schedule against the environment. Faults on one lane (etcd, Redis, instances,
 * compaction) run one after the other, each waiting for the previous one's recovery; lanes
 * overlap. A fault starts at its planned time or, if its lane is still recovering, right after.
 */
export class FaultInjector {
  readonly records: FaultRecord[];
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(
    private readonly env: ChaosEnvironment,
    schedule: PlannedFault[],
    private readonly log: (line: string) => void,
  ) {
    this.records = schedule.map((f) => ({ ...f }));
  }

  /** Faults in progress (started, not yet recovered) at `at`. */
  activeAt(at: number): FaultRecord[] {
    return this.records.filter(
      (r) => r.startedAt !== undefined && r.startedAt <= at && (r.recoveredAt ?? Infinity) >= at,
    );
  }

  /** Runs the whole schedule from `t0` (planned times are relative to it); resolves when every fault is undone and recovered. */
  async run(
    t0: number,
    onRecovered: (record: FaultRecord) => void = () => undefined,
  ): Promise<void> {
    await Promise.all(
      this.records.map((record) => {
        const name = laneOf(record.kind);
        const previous = this.lanes.get(name) ?? Promise.resolve();
        const done = previous.then(async () => {
          await sleep(Math.max(0, t0 + record.at - Date.now()));
          await this.inject(record).catch((error: unknown) => {
            record.failed = error instanceof Error ? error.message : String(error);
          });
          onRecovered(record);
          this.log(
            `fault ${describeFault(record)} done${record.note ? ` (${record.note})` : ''}${record.failed ? ` FAILED: ${record.failed}` : ''}`,
          );
        });
        this.lanes.set(name, done);
        return done;
      }),
    );
  }

  private async inject(record: FaultRecord): Promise<void> {
    const { etcd, redis } = this.env;
    const members = record.target === 'cluster' ? undefined : [record.target];
    /** Holds an etcd fault for its duration, undoes it, and waits until etcd is healthy again. */
    const holdThenUndo = async (undo: () => void) => {
      await sleep(record.durationMs);
      undo();
      record.endedAt = Date.now();
      await etcd.waitHealthy(30_000);
    };
    record.startedAt = Date.now();
    switch (record.kind) {
      case 'pause-member':
      case 'pause-all':
        etcd.pause(members);
        await holdThenUndo(() => etcd.resume(members));
        break;
      case 'flap-member': {
        // A crash loop that dies soon after it serves again: clients that reconnected to the
        // member are cut again, often while a watch created on it is still catching up.
        const rng = new Rng(record.seed);
        let cycles = 0;
        do {
          await etcd.kill(members);
          await sleep(rng.int(50, 300));
          etcd.restart(members);
          await etcd.memberAnswers(record.target, 3000);
          await sleep(rng.int(20, 500));
          cycles++;
        } while (Date.now() < record.startedAt + record.durationMs);
        record.note = `${cycles} crash cycles`;
        record.endedAt = Date.now();
        await etcd.waitHealthy(30_000);
        break;
      }
      case 'stall-member': {
        // A member hangs while the rest of the cluster takes a burst of writes, so every watch
        // connected to it is far behind when it wakes; it dies (and restarts) while those
        // watches catch up. durationMs is how long it is down after the kill.
        const rng = new Rng(record.seed);
        etcd.pause(members);
        await waitFor(
          'a quorum without the stalled member',
          () =>
            etcd.revision().then(
              () => true,
              () => false,
            ),
          10_000,
          100,
        );
        const { written } = await this.env.writeBurst(1500);
        etcd.resume(members);
        await sleep(rng.int(0, 400));
        await etcd.kill(members);
        record.note = `${written} revisions written while stalled`;
        await holdThenUndo(() => etcd.restart(members));
        break;
      }
      case 'kill-member':
      case 'etcd-outage':
        await etcd.kill(members);
        await holdThenUndo(() => etcd.restart(members));
        break;
      case 'compact': {
        // Compaction needs a quorum; if a fault on the etcd lane holds it, retry until it returns.
        let revision = 0;
        const deadline = Date.now() + 20_000;
        while (!revision) {
          record.startedAt = Date.now();
          revision = await etcd.compact().catch((error: unknown) => {
            // Nothing written since the last compaction: there is nothing to compact.
            if (/has been compacted/.test(String(error))) return -1;
            if (Date.now() > deadline) throw error;
            return sleep(300).then(() => 0);
          });
        }
        record.note = revision > 0 ? `at revision ${revision}` : 'nothing new to compact';
        record.endedAt = Date.now();
        break;
      }
      case 'write-burst': {
        const { written, failed } = await this.env.writeBurst(1500);
        record.note = `${written} revisions written, ${failed} refused`;
        record.endedAt = Date.now();
        break;
      }
      case 'redis-restart':
        await redis.stop();
        await sleep(record.durationMs);
        await redis.resume();
        record.endedAt = Date.now();
        break;
      case 'kill-instance':
      case 'term-instance': {
        const slot = this.env.slot(record.target);
        const stopped = await this.env.stopInstance(
          slot,
          record.kind === 'kill-instance' ? 'SIGKILL' : 'SIGTERM',
        );
        record.note = `${stopped.id} exited (code ${stopped.exit?.code}, signal ${stopped.exit?.signal})`;
        await sleep(record.durationMs);
        record.endedAt = Date.now();
        try {
          const next = await this.env.startInstance(slot);
          record.note += `; ${next.id} serving after ${next.startedAt! - next.spawnedAt} ms`;
        } finally {
          this.env.endDisruption(slot);
        }
        break;
      }
    }
    record.recoveredAt = Date.now();
  }
}
