import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CountPlan } from '../../domain/decision';
import { OutcomeCounts } from '../../domain/breaker';
import { BreakerSettings, LimitAlgorithm } from '../../domain/rule';

const lua = (name: string): string => readFileSync(join(__dirname, 'lua', name), 'utf8');

/** Every counting script: the breaker gate's functions, the shared prelude, then its own body. */
const counting = (name: string): string =>
  [lua('breaker-gate.lua'), lua('counting-prelude.lua'), lua(name)].join('\n');

/** The Redis keys of one decision; all share the rule's hash tag, so one slot. */
export interface DecisionKeys {
  log: string;
  meta: string;
  counter: string;
  windowed: string;
  bucket: string;
  breaker: string;
}

interface CountingScript {
  /** The ioredis command defined for it (EVALSHA, falling back to EVAL). */
  command: CountingCommand;
  lua: string;
  /** Its own keys, in KEYS order; the breaker key always comes last. */
  counterKeys(keys: DecisionKeys): string[];
  /** ARGV[2] (counting-prelude.lua): the window in ms, or the token bucket's refill per ms. */
  span(plan: CountPlan): number;
}

export type CountingCommand =
  'rcSlidingWindow' | 'rcSlidingWindowCounter' | 'rcFixedWindow' | 'rcTokenBucket';

/** Every script, as the ioredis command defined for it. */
export type ScriptCommand = CountingCommand | 'rcBreakerReport';

/** One script call: the command, then KEYS and ARGV in the script header's order. */
export interface ScriptCall {
  command: ScriptCommand;
  keys: string[];
  args: number[];
}

/** One entry per algorithm: the one place a script's keys and arguments are laid out. */
export const COUNTING_SCRIPTS: Record<LimitAlgorithm, CountingScript> = {
  sliding_window: {
    command: 'rcSlidingWindow',
    lua: counting('sliding-window.lua'),
    counterKeys: (k) => [k.log, k.meta],
    span: (p) => p.windowMs,
  },
  sliding_window_counter: {
    command: 'rcSlidingWindowCounter',
    lua: counting('sliding-window-counter.lua'),
    counterKeys: (k) => [k.counter],
    span: (p) => p.windowMs,
  },
  fixed_window: {
    command: 'rcFixedWindow',
    lua: counting('fixed-window.lua'),
    counterKeys: (k) => [k.windowed],
    span: (p) => p.windowMs,
  },
  token_bucket: {
    command: 'rcTokenBucket',
    lua: counting('token-bucket.lua'),
    counterKeys: (k) => [k.bucket],
    span: (p) => p.refillPerMs,
  },
};

const BREAKER_REPORT_LUA = lua('breaker-report.lua');

/** The breaker report's keys, in KEYS order (breaker-report.lua). */
const breakerReportKeys = (k: BreakerKeys): string[] => [k.breaker, k.stats];

export interface BreakerKeys {
  breaker: string;
  stats: string;
}

/** KEYS and ARGV of breaker-report.lua, in its header's order, built in one place. */
export function breakerReportCall(
  keys: BreakerKeys,
  settings: BreakerSettings,
  outcomes: OutcomeCounts,
): ScriptCall {
  return {
    command: 'rcBreakerReport',
    keys: breakerReportKeys(keys),
    args: [
      settings.statWindowMs,
      settings.minRequests,
      settings.errorRateThreshold,
      settings.slowCallRateThreshold,
      settings.openMs,
      settings.halfOpenMaxCalls,
      outcomes.total,
      outcomes.failures,
      outcomes.slow,
    ],
  };
}

const GATE_MODE = { disabled: 0, auto: 1, 'forced-closed': 2 } as const;

/** KEYS and ARGV of one decision's script, built in one place (counting-prelude.lua). */
export function countingCall(plan: CountPlan, keys: DecisionKeys): ScriptCall {
  const script = COUNTING_SCRIPTS[plan.algorithm];
  const { mode, openMs, halfOpenMaxCalls } = plan.breaker;
  return {
    command: script.command,
    keys: [...script.counterKeys(keys), keys.breaker],
    args: [
      plan.limit,
      script.span(plan),
      plan.hits,
      plan.overdraft,
      GATE_MODE[mode],
      openMs,
      halfOpenMaxCalls,
    ],
  };
}

const NO_KEYS: DecisionKeys & BreakerKeys = {
  log: '',
  meta: '',
  counter: '',
  windowed: '',
  bucket: '',
  breaker: '',
  stats: '',
};

/**
 * The scripts as ioredis's `scripts` option takes them (defined when the client is created);
 * each one's key count is read off the same function that lays its keys out for a call.
 */
export function scriptDefinitions(): Record<ScriptCommand, { numberOfKeys: number; lua: string }> {
  const definitions = {
    rcBreakerReport: { numberOfKeys: breakerReportKeys(NO_KEYS).length, lua: BREAKER_REPORT_LUA },
  } as Record<ScriptCommand, { numberOfKeys: number; lua: string }>;
  for (const script of Object.values(COUNTING_SCRIPTS)) {
    const numberOfKeys = script.counterKeys(NO_KEYS).length + 1;
    definitions[script.command] = { numberOfKeys, lua: script.lua };
  }
  return definitions;
}
