import { RuleEventMessage, TestWatcher } from '../support/watch-client';
import { ChaosEnvironment, InstanceSlot } from './cluster';
import { Rng } from './rng';

export interface WatchFilter {
  department?: string;
  grade?: string;
  window?: string;
}

/** One stream: where it went, what it asked for and everything it received. */
export interface WatchSession {
  slot: string;
  generation: number;
  fromRevision: number;
  openedAt: number;
  endedAt?: number;
  /** gRPC status that ended it ("UNAVAILABLE: …"), or "moved" when the watcher left on its own. */
  end?: string;
  events: RuleEventMessage[];
}

/**
 * Which keys a filter selects, written from the contract (proto/rulecenter/v1/watch.proto), not
 * from the product: department and grade filter rules and breaker overrides; window selects the
 * rules of that window and the window itself; windows pass the department and grade filters.
 */
export function inFilter(filter: WatchFilter, key: string): boolean {
  const [kind, a, b, c] = key.split('/');
  if (kind === 'windows') return filter.window === undefined || filter.window === a;
  if (kind !== 'rules' && kind !== 'breakers') return false;
  return (
    (filter.department === undefined || filter.department === a) &&
    (filter.grade === undefined || filter.grade === b) &&
    (filter.window === undefined || filter.window === c)
  );
}

export const describeFilter = (f: WatchFilter): string =>
  Object.entries(f)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'all';

/**
 * A watcher as a caching gateway would run it: it keeps the last revision it has completely
 * received (the event marked `revision_complete`: a revision's last change, or a snapshot's end —
 * one transaction can change many keys and a stream can end between them), and whenever its
 * stream ends it reconnects with `from_revision` = that revision,
 * to the same instance or another live one. Now and then it moves on its own.
 */
export class ChaosWatcher {
  readonly sessions: WatchSession[] = [];
  /** The revision to resume from. */
  cursor = 0;
  private stream?: TestWatcher;
  private stopped = false;
  private moveTimer?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    readonly filter: WatchFilter,
    private readonly env: ChaosEnvironment,
    private readonly rng: Rng,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.moveTimer);
    this.stream?.close();
  }

  /** Leaves the current stream (if any) and reconnects, like a gateway rebalancing. */
  move(): void {
    const session = this.sessions[this.sessions.length - 1];
    if (!this.stream || !session || session.endedAt !== undefined) return;
    session.end = 'moved';
    this.stream.close();
  }

  private pickSlot(): InstanceSlot | undefined {
    const live = this.env.liveSlots;
    if (live.length === 0) return undefined;
    const previous = this.sessions[this.sessions.length - 1]?.slot;
    const same = live.find((s) => s.name === previous);
    return same && this.rng.chance(0.4) ? same : this.rng.pick(live);
  }

  private connect(): void {
    if (this.stopped) return;
    const slot = this.pickSlot();
    if (!slot) {
      setTimeout(() => this.connect(), 200);
      return;
    }
    const request: Record<string, unknown> = { ...this.filter };
    if (this.cursor > 0) request.from_revision = this.cursor;
    const stream = new TestWatcher(slot.grpcPort, request);
    const session: WatchSession = {
      slot: slot.name,
      generation: slot.current?.generation ?? 0,
      fromRevision: this.cursor,
      openedAt: Date.now(),
      events: stream.events,
    };
    this.sessions.push(session);
    this.stream = stream;
    stream.call.on('data', (e: RuleEventMessage) => this.advance(e));
    stream.call.on('status', (status: { code: number; details: string }) => {
      if (session.endedAt !== undefined) return;
      session.endedAt = Date.now();
      session.end ??= `${status.code}: ${status.details}`;
      stream.close();
      if (this.stopped) return;
      setTimeout(() => this.connect(), this.rng.int(50, 400));
    });
    clearTimeout(this.moveTimer);
    this.moveTimer = setTimeout(() => this.move(), this.rng.int(8_000, 30_000));
  }

  /** The resume point moves only past revisions whose every event arrived (revision_complete). */
  private advance(e: RuleEventMessage): void {
    if (e.revision_complete) this.cursor = Math.max(this.cursor, Number(e.revision ?? 0));
  }
}

/** 20+ watchers over a mix of filters: none, department, grade, window, department+grade. */
export function watcherFilters(
  count: number,
  departments: string[],
  grades: string[],
  windows: string[],
): WatchFilter[] {
  const filters: WatchFilter[] = [];
  for (let i = 0; filters.length < count; i++) {
    switch (i % 5) {
      case 0:
        filters.push({});
        break;
      case 1:
        filters.push({ department: departments[i % departments.length] });
        break;
      case 2:
        filters.push({ grade: grades[i % grades.length] });
        break;
      case 3:
        filters.push({ window: windows[i % windows.length] });
        break;
      default:
        filters.push({
          department: departments[(i + 1) % departments.length],
          grade: grades[(i + 2) % grades.length],
        });
    }
  }
  return filters;
}
