import { Decider } from './decider.js';
import { LocalFallback } from './fallback.js';
import { OutcomeReporter } from './outcomes.js';
import { TargetPool } from './targets.js';
import type { ClientOptions, RuleCenterClient } from './types.js';
import { RuleWatcher } from './watch.js';

/**
 * A Rule Center client: `decide()` over DecideStream with failover and a local fallback,
 * `report()` for the breakers, `watch()` for rule changes. One per process is enough; it keeps one
 * connection per target.
 */
export function createClient(options: ClientOptions): RuleCenterClient {
  const pool = new TargetPool(options);
  const deadlineMs = options.deadlineMs ?? 50;
  if (!(deadlineMs > 0)) throw new Error('createClient: deadlineMs must be above 0');
  const decider = new Decider(
    pool,
    new LocalFallback(options.unknownScopeVerdict ?? 'ALLOW'),
    deadlineMs,
  );
  const outcomes = new OutcomeReporter(
    pool,
    options.maxPendingOutcomes ?? 10_000,
    options.reportIntervalMs ?? 100,
  );
  const watchers = new Set<RuleWatcher>();
  return {
    decide: (input) => decider.decide(input),
    report: (outcome) => outcomes.report(outcome),
    watch(watchOptions) {
      const watcher = new RuleWatcher(
        options.targets,
        pool.credentials,
        pool.channelOptions,
        pool.metadata,
        watchOptions,
      );
      watchers.add(watcher);
      return {
        get lastRevision() {
          return watcher.lastRevision;
        },
        close() {
          watchers.delete(watcher);
          watcher.close();
        },
      };
    },
    stats: () => ({
      ...decider.counts,
      outcomesSent: outcomes.sent,
      outcomesDropped: outcomes.dropped,
      outcomesPending: outcomes.pending,
    }),
    async close(flushMs = 1000) {
      outcomes.stop();
      const until = Date.now() + flushMs;
      while ((outcomes.pending > 0 || outcomes.busy) && Date.now() < until) {
        await Promise.race([
          outcomes.flush(),
          new Promise((r) => setTimeout(r, until - Date.now())),
        ]);
        if (outcomes.pending > 0) await new Promise((r) => setTimeout(r, 20));
      }
      for (const w of watchers) w.close();
      watchers.clear();
      decider.close();
      pool.close();
    },
  };
}
