import { CountPlan } from '../../domain/decision';
import {
  CountingEntry,
  CountingReply,
  DecisionKeys,
  REPLY_FIELDS_PER_DECISION,
  ScriptCall,
  countingCall,
} from './counting-scripts';

interface Waiting {
  entry: CountingEntry;
  resolve: (reply: CountingReply) => void;
  reject: (error: unknown) => void;
}

/**
 * Counts the decisions asked for in one event-loop turn with as few script calls as it can: the
 * decisions of one rule (its keys share one hash slot, and it has one algorithm) go in one call,
 * counted inside it in the order they were asked (counting-prelude.lua), at most `maxPerCall` to
 * a call. The calls leave in the loop's check phase, after every request read in the same poll
 * phase has been planned, so a busy instance sends one script call per rule per turn instead of
 * one per decision; an idle one adds no timer, only the rest of the current turn.
 */
export class CountingBatcher {
  private waiting = new Map<string, Waiting[]>();
  private scheduled = false;

  constructor(
    private readonly keysOf: (plan: CountPlan) => DecisionKeys,
    private readonly send: (call: ScriptCall) => Promise<CountingReply>,
    private readonly maxPerCall: number,
  ) {}

  /** The script's reply for this decision (REPLY_FIELDS_PER_DECISION values). */
  count(plan: CountPlan): Promise<CountingReply> {
    return new Promise((resolve, reject) => {
      const group = `${plan.algorithm} ${plan.rule}`;
      let list = this.waiting.get(group);
      if (!list) this.waiting.set(group, (list = []));
      list.push({ entry: { plan, keys: this.keysOf(plan) }, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const groups = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    for (const list of groups.values()) {
      for (let from = 0; from < list.length; from += this.maxPerCall)
        this.call(list.slice(from, from + this.maxPerCall));
    }
  }

  /** Never throws: whatever goes wrong settles every decision of the batch. */
  private call(batch: Waiting[]): void {
    Promise.resolve()
      .then(() => this.send(countingCall(batch.map((w) => w.entry))))
      .then(
        (reply) => this.answer(batch, reply),
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      );
  }

  private answer(batch: Waiting[], reply: unknown): void {
    if (!Array.isArray(reply) || reply.length !== batch.length * REPLY_FIELDS_PER_DECISION) {
      const got = Array.isArray(reply) ? `${reply.length} values` : typeof reply;
      const error = new Error(`counting script answered ${got} for ${batch.length} decisions`);
      for (const w of batch) w.reject(error);
      return;
    }
    const values = reply as CountingReply;
    batch.forEach((w, i) =>
      w.resolve(values.slice(i * REPLY_FIELDS_PER_DECISION, (i + 1) * REPLY_FIELDS_PER_DECISION)),
    );
  }
}
