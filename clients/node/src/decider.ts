import { StatusObject, status } from '@grpc/grpc-js';
import { DecideStreamSession, Pending } from './decide-stream.js';
import { LocalFallback } from './fallback.js';
import type { DecideRequestMessage, DecideResponseMessage, StreamAnswer } from './proto.js';
import type { Target, TargetPool } from './targets.js';
import {
  BreakerState,
  DecideInput,
  DecisionResult,
  Reason,
  RuleCenterRequestError,
  Verdict,
} from './types.js';

interface Attempt extends Pending {
  input: DecideInput;
  deadlineAt: number;
  timer: NodeJS.Timeout;
  tries: number;
  settled: boolean;
  resolve(result: DecisionResult): void;
  reject(error: Error): void;
}

/**
 * decide(): round-robin over the targets' DecideStreams (Decide for a target without it), failing
 * over to the next target when a stream ends, and deciding locally (LocalFallback) when no target
 * is up or none answers within the deadline. A decision is never lost to a reconnect: what a
 * stream left unanswered is sent again elsewhere while its deadline lasts.
 */
export class Decider {
  readonly counts = { decisions: 0, fallbacks: 0, reconnects: 0 };
  private readonly sessions = new Map<Target, DecideStreamSession<Attempt>>();
  private readonly events = {
    answered: (_s: DecideStreamSession, a: Attempt, answer: StreamAnswer) =>
      this.answered(_s.target, a, answer),
    ended: (s: DecideStreamSession, st: StatusObject, unanswered: Attempt[]) =>
      this.ended(s, st, unanswered),
  };
  private closed = false;

  constructor(
    private readonly pool: TargetPool,
    private readonly fallback: LocalFallback,
    private readonly deadlineMs: number,
  ) {
    // Open every stream now: the first decisions need not wait for a connection, and targets
    // that are down are known before anyone asks.
    for (const target of pool.targets) if (target.mode === 'stream') this.sessionFor(target);
  }

  decide(input: DecideInput): Promise<DecisionResult> {
    return new Promise((resolve, reject) => {
      const attempt: Attempt = {
        input,
        request: toRequest(input),
        deadlineAt: Date.now() + this.deadlineMs,
        timer: setTimeout(() => this.fallBack(attempt), this.deadlineMs),
        tries: 0,
        settled: false,
        resolve,
        reject,
      };
      this.send(attempt);
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private send(attempt: Attempt): void {
    if (attempt.settled) return;
    // Each target at most twice per decision: past that, every one has failed it.
    const target =
      !this.closed && attempt.tries++ < 2 * this.pool.targets.length ? this.pool.pick() : undefined;
    if (!target) return this.fallBack(attempt);
    if (target.mode === 'unary') return this.unary(target, attempt);
    this.sessionFor(target).send(attempt);
  }

  private sessionFor(target: Target): DecideStreamSession<Attempt> {
    let session = this.sessions.get(target);
    if (!session || session.ended) {
      session = new DecideStreamSession(target, this.pool.metadata, this.events);
      this.sessions.set(target, session);
    }
    return session;
  }

  private answered(target: Target, attempt: Attempt, answer: StreamAnswer): void {
    target.markUp();
    if (attempt.settled) return;
    if (answer.decision) return this.settle(attempt, answer.decision);
    const code = answer.error?.code ?? status.INTERNAL;
    if (code === status.INVALID_ARGUMENT) return this.refuse(attempt, answer.error?.message, code);
    // RESOURCE_EXHAUSTED (that instance is overloaded) and anything else: try another one.
    this.send(attempt);
  }

  private ended(session: DecideStreamSession, st: StatusObject, unanswered: Attempt[]): void {
    if (this.sessions.get(session.target) === session) this.sessions.delete(session.target);
    if (this.closed) return;
    if (st.code === status.UNIMPLEMENTED) session.target.mode = 'unary';
    else if (st.code !== status.OK) session.target.markDown(Date.now());
    this.counts.reconnects++;
    for (const attempt of unanswered) this.send(attempt);
  }

  private unary(target: Target, attempt: Attempt): void {
    target.stub.Decide(
      attempt.request,
      this.pool.metadata,
      { deadline: attempt.deadlineAt },
      (error, answer) => {
        if (attempt.settled) return;
        if (!error && answer) {
          target.markUp();
          return this.settle(attempt, answer);
        }
        if (error?.code === status.INVALID_ARGUMENT)
          return this.refuse(attempt, error.details, error.code);
        if (error?.code === status.DEADLINE_EXCEEDED) return this.fallBack(attempt);
        if (error?.code === status.UNAVAILABLE) target.markDown(Date.now());
        this.send(attempt);
      },
    );
  }

  private settle(attempt: Attempt, answer: DecideResponseMessage): void {
    this.finish(attempt);
    this.fallback.learn(attempt.input, answer);
    attempt.resolve(toResult(answer));
  }

  private refuse(attempt: Attempt, message: string | undefined, code: number): void {
    this.finish(attempt);
    attempt.reject(new RuleCenterRequestError(message ?? 'invalid request', code));
  }

  private fallBack(attempt: Attempt): void {
    if (attempt.settled) return;
    attempt.session?.forget(attempt);
    this.finish(attempt);
    this.counts.fallbacks++;
    attempt.resolve(this.fallback.decide(attempt.input));
  }

  private finish(attempt: Attempt): void {
    attempt.settled = true;
    clearTimeout(attempt.timer);
    this.counts.decisions++;
  }
}

function toRequest(input: DecideInput): DecideRequestMessage {
  const request: DecideRequestMessage = { department: input.department, grade: input.grade };
  if (input.resource) request.resource = input.resource;
  if (input.clientId) request.client_id = input.clientId;
  if (input.hits !== undefined) request.hits = input.hits;
  return request;
}

function toResult(m: DecideResponseMessage): DecisionResult {
  return {
    verdict: (m.verdict ?? 'ALLOW') as Verdict,
    reason: (m.reason ?? 'OK') as Reason,
    source: 'center',
    rule: m.rule ?? '',
    limit: m.limit ?? 0,
    remaining: m.remaining ?? 0,
    retryAfterMs: m.retry_after_ms ?? 0,
    resetAfterMs: m.reset_after_ms ?? 0,
    windowMs: m.window_ms ?? 0,
    breakerState: (m.breaker_state ?? 'DISABLED') as BreakerState,
    rulesRevision: m.rules_revision ?? 0,
    detail: m.detail ?? '',
  };
}
