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
  /** SPAN (counting-prelude.lua): the window in ms, or the token bucket's refill per ms. */
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
    keys: [keys.breaker, keys.stats],
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

/** One decision as its script counts it: what to count, and the Redis keys it counts in. */
export interface CountingEntry {
  plan: CountPlan;
  keys: DecisionKeys;
}

/** The values each decision's answer takes in a counting script's reply (counting-prelude.lua). */
export const REPLY_FIELDS_PER_DECISION = 9;

/**
 * One decision's part of a counting reply: nine numbers, or -1 and the text of the error that
 * decision alone raised (counting-prelude.lua).
 */
export type CountingReply = (number | string)[];

/**
 * KEYS and ARGV of one counting script call, built in one place (counting-prelude.lua): one or
 * more decisions of one algorithm whose keys share one hash slot (the rule's tag), counted in
 * order. ARGV[1] is how many; then each decision's keys and its seven arguments.
 */
export function countingCall(entries: CountingEntry[]): ScriptCall {
  const script = COUNTING_SCRIPTS[entries[0].plan.algorithm];
  const keys: string[] = [];
  const args: number[] = [entries.length];
  for (const { plan, keys: k } of entries) {
    if (plan.algorithm !== entries[0].plan.algorithm)
      throw new Error('one counting call counts one algorithm');
    keys.push(...script.counterKeys(k), k.breaker);
    const { mode, openMs, halfOpenMaxCalls } = plan.breaker;
    args.push(
      plan.limit,
      script.span(plan),
      plan.hits,
      plan.overdraft,
      GATE_MODE[mode],
      openMs,
      halfOpenMaxCalls,
    );
  }
  return { command: script.command, keys, args };
}

/**
 * The scripts as ioredis's `scripts` option takes them (defined when the client is created). No
 * key counts are declared: each call passes its own (ScriptCall.keys), so a counting call can
 * carry any number of decisions.
 */
export function scriptDefinitions(): Record<ScriptCommand, { lua: string }> {
  const definitions = { rcBreakerReport: { lua: BREAKER_REPORT_LUA } } as Record<
    ScriptCommand,
    { lua: string }
  >;
  for (const script of Object.values(COUNTING_SCRIPTS))
    definitions[script.command] = { lua: script.lua };
  return definitions;
}
