import { ServiceError, status } from '@grpc/grpc-js';
import { DecisionClient, decisionClient } from '../support/grpc-client';
import { ChaosEnvironment } from './cluster';
import { Rng } from './rng';
import { DEPARTMENTS, GRADES } from './writer';

export interface DecisionRecord {
  slot: string;
  generation: number;
  sentAt: number;
  latencyMs: number;
  /** gRPC status code name; 'OK' for an answer. */
  code: string;
  verdict?: string;
  reason?: string;
  detail?: string;
}

/** A deadline far above any legitimate decision: it only keeps a hung call from hanging the harness. */
const DEADLINE_MS = 3000;

/**
 * The harness's own event-loop delay. On a 2-core machine shared with seven servers, the harness
 * itself can stall; a call timed across such a stall measured the harness, not the product.
 */
export class LagMonitor {
  private readonly stalls: { at: number; lagMs: number }[] = [];
  private timer?: NodeJS.Timeout;
  private last = 0;

  start(everyMs = 10): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = now - this.last - everyMs;
      if (lag > 10) this.stalls.push({ at: Date.now(), lagMs: Math.round(lag) });
      this.last = now;
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Longest stall of the harness's event loop that overlapped [from, to]. */
  worstBetween(from: number, to: number): number {
    let worst = 0;
    for (const s of this.stalls)
      if (s.at >= from && s.at - s.lagMs <= to) worst = Math.max(worst, s.lagMs);
    return worst;
  }
}

/**
 * A light decision load over gRPC Decide across the live instances (a fresh channel per process
 * incarnation, so a restart is not hidden behind a channel's reconnect backoff).
 */
export class DecisionLoad {
  readonly records: DecisionRecord[] = [];
  private readonly clients = new Map<string, DecisionClient>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly rng: Rng,
    private readonly perSecond: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), Math.round(1000 / this.perSecond));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    for (const client of this.clients.values()) client.close();
  }

  private fire(): void {
    const live = this.env.liveSlots;
    if (live.length === 0) return;
    const slot = this.rng.pick(live);
    const incarnation = slot.current!;
    // Channels to processes that are gone only retry in vain; close them (calls in flight finish).
    const current = new Set(this.env.slots.map((s) => s.current?.id));
    for (const [id, stale] of this.clients)
      if (!current.has(id)) {
        stale.close();
        this.clients.delete(id);
      }
    let client = this.clients.get(incarnation.id);
    if (!client) {
      client = decisionClient(slot.grpcPort, '127.0.0.1', { deadlineMs: DEADLINE_MS });
      this.clients.set(incarnation.id, client);
    }
    const request = {
      department: this.rng.pick(DEPARTMENTS),
      grade: this.rng.pick(GRADES),
      resource: 'enroll',
      client_id: `s${this.rng.int(1, 500)}`,
    };
    const sentAt = Date.now();
    const started = performance.now();
    const call = client.decide(request).then(
      (res) => {
        this.records.push({
          slot: slot.name,
          generation: incarnation.generation,
          sentAt,
          latencyMs: performance.now() - started,
          code: 'OK',
          verdict: res.verdict,
          reason: res.reason,
        });
      },
      (error: ServiceError) => {
        this.records.push({
          slot: slot.name,
          generation: incarnation.generation,
          sentAt,
          latencyMs: performance.now() - started,
          code: status[error.code] ?? String(error.code),
          detail: error.details,
        });
      },
    );
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }
}
