import { ChaosEnvironment, ETCD_PREFIX, INSTANCE_TTL_SECONDS } from './cluster';

export interface ReadinessSample {
  slot: string;
  generation: number;
  at: number;
  strict: boolean;
  /** HTTP status; 0 when the instance did not answer within a second. */
  status: number;
  /** For a non-strict 200: does the body have the new contract's shape ({status:'ready', degraded:[…]})? */
  shapeOk?: boolean;
}

const POLL_MS = 200;

/**
 * Polls /readyz and /readyz?strict=true of every running instance every 200 ms, so the checks
 * can tell when each one was ready. A few bodies of unusual answers are kept as examples.
 */
export class ReadinessProbe {
  readonly samples: ReadinessSample[] = [];
  /** One example body per kind of unusual answer ("503", "strict 503", "200 (old shape)"). */
  readonly examples = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private readonly busy = new Set<string>();

  constructor(private readonly env: ChaosEnvironment) {}

  start(): void {
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private poll(): void {
    for (const slot of this.env.slots) {
      const incarnation = slot.current;
      if (!incarnation || this.busy.has(slot.name)) continue;
      this.busy.add(slot.name);
      void Promise.all(
        [false, true].map(async (strict) => {
          const at = Date.now();
          const sample: ReadinessSample = {
            slot: slot.name,
            generation: incarnation.generation,
            at,
            strict,
            status: 0,
          };
          try {
            const res = await fetch(slot.url(strict ? '/readyz?strict=true' : '/readyz'), {
              signal: AbortSignal.timeout(1000),
            });
            sample.status = res.status;
            const text = await res.text();
            if (!strict && res.status === 200) {
              const body = JSON.parse(text) as { status?: string; degraded?: unknown };
              sample.shapeOk = body.status === 'ready' && Array.isArray(body.degraded);
            }
            const kind = `${strict ? 'strict ' : ''}${res.status}${sample.shapeOk === false ? ' (old shape)' : ''}`;
            if ((res.status !== 200 || sample.shapeOk === false) && !this.examples.has(kind))
              this.examples.set(kind, `${slot.name} ${kind}: ${text.slice(0, 240)}`);
          } catch {
            sample.status = 0;
          }
          this.samples.push(sample);
        }),
      ).finally(() => this.busy.delete(slot.name));
    }
  }
}

export interface RegistrationCheck {
  /** When etcd was healthy again. */
  healthyAt: number;
  checkedAt: number;
  expected: string[];
  missing: string[];
  /** Why it could not be checked (etcd busy with the next fault, …). */
  skipped?: string;
  /** The check at the end of the run. */
  final?: boolean;
}

/**
 * "Every live instance is registered under instances/ within one TTL after etcd is healthy":
 * read the keys straight from etcd one TTL (+1 s for the lease machinery and this poll) after
 * each recovery, for the instances that were serving throughout.
 */
export class RegistrationChecker {
  readonly checks: RegistrationCheck[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly env: ChaosEnvironment,
    /** Did an etcd fault start in (from, to]? Then the instances had no fair chance. */
    private readonly etcdFaultBetween: (from: number, to: number) => boolean,
  ) {}

  afterRecovery(healthyAt: number): void {
    const task = new Promise<void>((r) =>
      setTimeout(r, Math.max(0, healthyAt + INSTANCE_TTL_SECONDS * 1000 + 1000 - Date.now())),
    ).then(async () => void (await this.check(healthyAt)));
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Checks now the instances serving since `healthyAt` (etcd's recovery; at the end, one TTL + 1 s ago). */
  async check(healthyAt: number, final = false): Promise<RegistrationCheck> {
    const checkedAt = Date.now();
    const expected = this.env.slots
      .filter((s) => s.current && s.current.startedAt! <= healthyAt)
      .filter((s) => !s.disruptedDuring(healthyAt, checkedAt, 0))
      .map((s) => s.current!.id);
    const check: RegistrationCheck = { healthyAt, checkedAt, expected, missing: [], final };
    if (this.etcdFaultBetween(healthyAt, checkedAt)) {
      check.skipped = 'the next etcd fault began before the check';
      this.checks.push(check);
      return check;
    }
    try {
      const out = await this.env.etcd.ctl(
        'get',
        '--prefix',
        `${ETCD_PREFIX}instances/`,
        '--keys-only',
      );
      const present = new Set(
        out
          .split('\n')
          .filter(Boolean)
          .map((k) => k.slice(`${ETCD_PREFIX}instances/`.length)),
      );
      check.missing = expected.filter((id) => !present.has(id));
    } catch (error) {
      check.skipped = `etcd did not answer: ${String(error).slice(0, 120)}`;
    }
    this.checks.push(check);
    return check;
  }
}
