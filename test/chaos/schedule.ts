import { Rng } from './rng';

export const FAULT_KINDS = [
  'pause-member', // SIGSTOP one etcd member, SIGCONT after the duration
  'pause-all', // SIGSTOP every etcd member (a frozen cluster: sockets open, nothing answers)
  'kill-member', // SIGKILL one etcd member, restart it on its data dir after the duration
  'flap-member', // one etcd member crash-loops: killed and restarted every few hundred ms
  'stall-member', // one member hangs (SIGSTOP) while the others take a write burst, wakes, then is SIGKILLed
  'etcd-outage', // SIGKILL every member, restart all after the duration (longer than the lease TTL)
  'compact', // compact etcd's history at its current revision
  'redis-restart', // SIGKILL Redis, restart it on the same port after the duration
  'kill-instance', // SIGKILL a Rule Center process, start a new one on the same ports
  'term-instance', // SIGTERM a Rule Center process (graceful), start a new one on the same ports
  'write-burst', // 1,500 revisions in a few seconds (keys outside rules/windows): watches must catch up
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultMix = Partial<Record<FaultKind, number>>;

/** Relative weights of the fault kinds when the schedule picks at random. */
export const DEFAULT_MIX: Record<FaultKind, number> = {
  'pause-member': 3,
  'pause-all': 2,
  'kill-member': 2,
  'flap-member': 1,
  'stall-member': 1,
  'etcd-outage': 1,
  compact: 2,
  'redis-restart': 2,
  'kill-instance': 2,
  'term-instance': 1,
  'write-burst': 1,
};

export interface PlannedFault {
  id: number;
  kind: FaultKind;
  /** etcd member, instance slot, or 'cluster' / 'redis'. */
  target: string;
  /** ms after the chaos phase started. */
  at: number;
  /** How long the fault lasts before it is undone (0 for a compaction). */
  durationMs: number;
  /** Seed of the fault's own random choices (a crash loop's rhythm). */
  seed: number;
}

export interface ScheduleOptions {
  seed: number;
  /** Every fault is planned to be over (undone and recovered) before this, in ms. */
  durationMs: number;
  mix: FaultMix;
  /** Mean time between fault starts; faults on different resources overlap. */
  meanGapMs: number;
  members: string[];
  instances: string[];
  /** Put every kind with a weight above 0 in at least once (first, in random order) if it fits. */
  ensureEach: boolean;
}

const RANGES: Record<FaultKind, [number, number]> = {
  'pause-member': [200, 5000],
  'pause-all': [200, 5000],
  'kill-member': [500, 4000],
  'flap-member': [1000, 4000],
  'stall-member': [500, 2000],
  'etcd-outage': [3000, 8000],
  compact: [0, 0],
  'redis-restart': [500, 4000],
  'kill-instance': [0, 1500],
  'term-instance': [0, 1500],
  'write-burst': [0, 0],
};

/**
 * Time a resource is planned to stay busy after a fault is undone: an etcd member rejoining, a
 * Rule Center process starting (ts-node on a 2-core machine). Only for planning; the executor
 * waits for the real recovery before it injects the next fault on the same resource.
 */
const RECOVERY_MS: Record<FaultKind, number> = {
  'pause-member': 1000,
  'pause-all': 1500,
  'kill-member': 2500,
  'flap-member': 2500,
  'stall-member': 8000,
  'etcd-outage': 3000,
  compact: 500,
  'redis-restart': 500,
  'kill-instance': 7000,
  'term-instance': 9000,
  'write-burst': 4000,
};

/**
 * One fault at a time per lane: etcd (member and cluster faults), Redis, the instances (at most
 * one restarting, so watchers, writer and load always have somewhere to go). Compactions and
 * write bursts have lanes of their own and overlap the rest (compactions avoid whole-cluster
 * faults).
 */
export const laneOf = (kind: FaultKind): string =>
  kind === 'redis-restart'
    ? 'redis'
    : kind === 'kill-instance' || kind === 'term-instance'
      ? 'instances'
      : kind === 'compact' || kind === 'write-burst'
        ? kind
        : 'etcd';

const clusterWide = (kind: FaultKind): boolean => kind === 'pause-all' || kind === 'etcd-outage';

/** The same options always give the same schedule. */
export function planSchedule(options: ScheduleOptions): PlannedFault[] {
  const rng = new Rng(options.seed).fork('schedule');
  const enabled = FAULT_KINDS.filter((k) => (options.mix[k] ?? 0) > 0);
  if (enabled.length === 0) return [];
  const first = options.ensureEach ? rng.shuffle([...enabled]) : [];
  const weights = Object.fromEntries(enabled.map((k) => [k, options.mix[k] ?? 0])) as FaultMix;
  const busyUntil = new Map<string, number>();
  const clusterDown: [number, number][] = [];
  const faults: PlannedFault[] = [];
  let t = 1000;
  for (let i = 0; t < options.durationMs; i++) {
    const kind = i < first.length ? first[i] : rng.weighted(weights);
    const [lo, hi] = RANGES[kind];
    const durationMs = rng.int(lo, hi);
    const target =
      kind === 'pause-member' ||
      kind === 'kill-member' ||
      kind === 'flap-member' ||
      kind === 'stall-member'
        ? rng.pick(options.members)
        : kind === 'kill-instance' || kind === 'term-instance'
          ? rng.pick(options.instances)
          : kind === 'redis-restart'
            ? 'redis'
            : 'cluster';
    // The kinds that must appear come close together (their lanes serialise them anyway); after
    // them, now and then a quiet spell, so recovery (readiness, registration) is measured in the clear.
    t +=
      i < first.length
        ? rng.int(300, 1500)
        : rng.chance(0.15)
          ? rng.int(5000, 8000)
          : rng.int(Math.round(options.meanGapMs * 0.3), Math.round(options.meanGapMs * 1.7));
    const resource = laneOf(kind);
    let at = Math.max(t, busyUntil.get(resource) ?? 0);
    if (kind === 'compact')
      for (const [from, to] of clusterDown) if (at >= from && at < to) at = to;
    const end = at + durationMs + RECOVERY_MS[kind];
    if (end > options.durationMs) continue;
    busyUntil.set(resource, end);
    if (clusterWide(kind)) clusterDown.push([at, end]);
    faults.push({ id: 0, kind, target, at, durationMs, seed: rng.int(1, 2 ** 31) });
  }
  faults.sort((a, b) => a.at - b.at);
  faults.forEach((f, i) => (f.id = i + 1));
  return faults;
}

/** "pause-member=3,compact=1" → a mix; kinds not named get weight 0. */
export function parseMix(text: string): FaultMix {
  const mix: FaultMix = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [name, weight] = part.split('=');
    if (!(FAULT_KINDS as readonly string[]).includes(name))
      throw new Error(`unknown fault kind ${name}; known: ${FAULT_KINDS.join(', ')}`);
    const w = weight === undefined ? 1 : Number(weight);
    if (!Number.isFinite(w) || w < 0) throw new Error(`bad weight for ${name}: ${weight}`);
    mix[name as FaultKind] = w;
  }
  return mix;
}

export const describeFault = (f: PlannedFault): string =>
  `#${f.id} +${(f.at / 1000).toFixed(1)}s ${f.kind} ${f.target}${f.durationMs ? ` for ${(f.durationMs / 1000).toFixed(1)}s` : ''}`;
