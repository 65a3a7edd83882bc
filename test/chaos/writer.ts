import { bearer } from '../support/app-instance';
import { sleep } from '../support/ports';
import { ChaosEnvironment, InstanceSlot } from './cluster';
import { Rng } from './rng';

export const DEPARTMENTS = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
export const GRADES = ['2023', '2024', '2025'];
const RULE_GRADES = [...GRADES, '*'];

export type WriteKind =
  | 'create-rule'
  | 'replace-rule'
  | 'delete-rule'
  | 'create-window'
  | 'replace-window'
  | 'delete-window'
  | 'import';

/**
 * ack: 2xx, the product says it is written. rejected: a 4xx, it says nothing was written.
 * unknown: no answer, a timeout or a 5xx (a 503 may come after the transaction committed), so
 * it may or may not be in etcd and no check relies on it.
 */
export type WriteOutcome = 'ack' | 'rejected' | 'unknown';

export interface WriteRecord {
  id: number;
  kind: WriteKind;
  slot: string;
  sentAt: number;
  doneAt: number;
  status: number;
  outcome: WriteOutcome;
  /** etcd revision of an acknowledged put or import (ETag, or the import report). */
  revision?: number;
  /** What it writes: the key and the nonce carried in `description` (null: a delete). */
  items: { key: string; nonce: string | null }[];
  ifMatch?: number;
  /** A revision etcd had certainly reached before the request was sent. */
  floor: number;
  /** Part of a window-delete race (bundle number). */
  race?: number;
  detail?: string;
}

interface Answer {
  status: number;
  etag?: number;
  body: unknown;
  text: string;
}

const revisionOf = (etag: string | null): number | undefined => {
  const m = etag ? /(\d+)/.exec(etag) : null;
  return m ? Number(m[1]) : undefined;
};

const outcomeOf = (status: number): WriteOutcome =>
  status >= 200 && status < 300
    ? 'ack'
    : status >= 400 && status < 500 && status !== 408 && status !== 429
      ? 'rejected'
      : 'unknown';

/**
 * The admin writer: creates, replaces (If-Match with the ETag it just read) and deletes rules and
 * windows, imports, and races window deletes against imports and rule creates that use the
 * window. Every value carries a unique nonce in `description`, so the oracle can tell exactly
 * which request wrote what. Requests go to random live instances over REST.
 */
export class AdminWriter {
  readonly records: WriteRecord[] = [];
  private readonly windows = new Set<string>(['any']);
  private readonly rules = new Set<string>();
  private nextWindow = 0;
  private nextId = 1;
  private races = 0;
  private maxAcked = 0;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly rng: Rng,
    private readonly seed: number,
    /** The oracle's latest revision: a floor for what etcd has reached. */
    private readonly oracleRevision: () => number,
  ) {}

  /** A few windows and rules before the faults start, so watchers and decisions have material. */
  async seedData(): Promise<void> {
    for (let i = 0; i < 3; i++) await this.createWindow();
    for (let i = 0; i < 8; i++) await this.createRule();
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.step().catch(() => undefined);
        await sleep(this.rng.int(100, 400));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** One operation, picked by weight. */
  private readonly operations: Record<string, [number, () => Promise<unknown>]> = {
    createRule: [4, () => this.createRule()],
    replaceRule: [3, () => this.replace('rules', this.pickRule())],
    deleteRule: [2, () => this.remove('rules', this.pickRule())],
    createWindow: [1.5, () => this.createWindow()],
    replaceWindow: [1, () => this.replace('windows', this.pickWindow())],
    deleteWindow: [1, () => this.remove('windows', this.pickWindow())],
    importSome: [1.5, () => this.importSome()],
    race: [2, () => this.race()],
  };

  private async step(): Promise<void> {
    const weights = Object.fromEntries(
      Object.entries(this.operations).map(([name, [weight]]) => [name, weight]),
    );
    await this.operations[this.rng.weighted(weights)][1]();
  }

  private pickRule(): string | undefined {
    return this.rules.size ? this.rng.pick([...this.rules]) : undefined;
  }

  private pickWindow(): string | undefined {
    const own = [...this.windows].filter((w) => w !== 'any');
    return own.length ? this.rng.pick(own) : undefined;
  }

  private nonce(id: number, item?: number): string {
    return `chaos-${this.seed}-${id}${item === undefined ? '' : `-${item}`}`;
  }

  private ruleBody(description: string): Record<string, unknown> {
    return {
      limit: { qps: this.rng.int(5, 200) },
      failMode: this.rng.chance(0.7) ? 'open' : 'closed',
      description,
    };
  }

  private windowBody(description: string): Record<string, unknown> {
    return {
      timezone: 'UTC',
      timeRanges: [{ start: '00:00', end: '24:00' }],
      priority: this.rng.int(0, 20),
      description,
    };
  }

  private newRuleId(window?: string): { department: string; grade: string; window: string } {
    return {
      department: this.rng.pick(DEPARTMENTS),
      grade: this.rng.pick(RULE_GRADES),
      window: window ?? this.rng.pick([...this.windows]),
    };
  }

  private async request(
    slot: InstanceSlot,
    method: string,
    path: string,
    role: 'admin' | 'editor' | 'viewer',
    body?: unknown,
    ifMatch?: number,
  ): Promise<Answer> {
    const headers: Record<string, string> = { Authorization: bearer(role) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (ifMatch !== undefined) headers['If-Match'] = `"${ifMatch}"`;
    try {
      const res = await fetch(slot.url(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(8000),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, etag: revisionOf(res.headers.get('etag')), body: parsed, text };
    } catch (error) {
      return { status: 0, body: undefined, text: String(error) };
    }
  }

  /** Sends one write and records it; resolves with the answer (undefined if no instance is live). */
  private async write(
    kind: WriteKind,
    method: string,
    path: string,
    role: 'admin' | 'editor',
    body: unknown,
    items: WriteRecord['items'],
    extra: { ifMatch?: number; race?: number; id?: number } = {},
  ): Promise<Answer | undefined> {
    const live = this.env.liveSlots;
    if (live.length === 0) return undefined;
    const slot = this.rng.pick(live);
    const record: WriteRecord = {
      id: extra.id ?? this.nextId++,
      kind,
      slot: slot.name,
      sentAt: Date.now(),
      doneAt: 0,
      status: 0,
      outcome: 'unknown',
      items,
      ifMatch: extra.ifMatch,
      floor: Math.max(this.oracleRevision(), this.maxAcked),
      race: extra.race,
    };
    const answer = await this.request(slot, method, path, role, body, extra.ifMatch);
    record.doneAt = Date.now();
    record.status = answer.status;
    record.outcome = outcomeOf(answer.status);
    if (record.outcome === 'ack') {
      const reported = (answer.body as { revision?: number } | undefined)?.revision;
      record.revision = answer.etag ?? (typeof reported === 'number' ? reported : undefined);
      if (record.revision) this.maxAcked = Math.max(this.maxAcked, record.revision);
    } else record.detail = answer.text.slice(0, 300);
    this.records.push(record);
    return answer;
  }

  private async createRule(window?: string, race?: number): Promise<void> {
    const id = this.nextId++;
    const rule = this.newRuleId(window);
    const key = `rules/${rule.department}/${rule.grade}/${rule.window}`;
    const nonce = this.nonce(id);
    const answer = await this.write(
      'create-rule',
      'POST',
      '/api/v1/rules',
      'editor',
      { ...rule, ...this.ruleBody(nonce) },
      [{ key, nonce }],
      { id, race },
    );
    if (answer && (outcomeOf(answer.status) !== 'rejected' || answer.status === 409))
      this.rules.add(key.slice('rules/'.length));
  }

  private async createWindow(): Promise<string | undefined> {
    const id = this.nextId++;
    const name = `cw${this.nextWindow++}`;
    const nonce = this.nonce(id);
    const answer = await this.write(
      'create-window',
      'POST',
      '/api/v1/windows',
      'editor',
      { name, ...this.windowBody(nonce) },
      [{ key: `windows/${name}`, nonce }],
      { id },
    );
    if (!answer || outcomeOf(answer.status) === 'rejected') return undefined;
    this.windows.add(name);
    return answer.status === 201 ? name : undefined;
  }

  /** Reads the current ETag (from a live instance's index, which may lag: then a 409). */
  private async etagOf(collection: 'rules' | 'windows', id: string): Promise<number | undefined> {
    const live = this.env.liveSlots;
    if (live.length === 0) return undefined;
    const answer = await this.request(
      this.rng.pick(live),
      'GET',
      `/api/v1/${collection}/${id}`,
      'viewer',
    );
    if (answer.status === 404) (collection === 'rules' ? this.rules : this.windows).delete(id);
    return answer.status === 200 ? answer.etag : undefined;
  }

  private async replace(collection: 'rules' | 'windows', id: string | undefined): Promise<void> {
    if (!id) return;
    const etag = await this.etagOf(collection, id);
    if (etag === undefined) return;
    const writeId = this.nextId++;
    const nonce = this.nonce(writeId);
    await this.write(
      collection === 'rules' ? 'replace-rule' : 'replace-window',
      'PUT',
      `/api/v1/${collection}/${id}`,
      'editor',
      collection === 'rules' ? this.ruleBody(nonce) : this.windowBody(nonce),
      [{ key: `${collection}/${id}`, nonce }],
      { id: writeId, ifMatch: etag },
    );
  }

  private async remove(
    collection: 'rules' | 'windows',
    id: string | undefined,
    race?: number,
  ): Promise<void> {
    if (!id) return;
    // In a race the delete goes at once (reading an ETag first would let the others finish).
    const ifMatch =
      race === undefined && this.rng.chance(0.5) ? await this.etagOf(collection, id) : undefined;
    const answer = await this.write(
      collection === 'rules' ? 'delete-rule' : 'delete-window',
      'DELETE',
      `/api/v1/${collection}/${id}`,
      'editor',
      undefined,
      [{ key: `${collection}/${id}`, nonce: null }],
      { ifMatch, race },
    );
    if (answer?.status === 204 || answer?.status === 404)
      (collection === 'rules' ? this.rules : this.windows).delete(id);
  }

  /** Imports 1–3 rules (and sometimes a new window some of them use), or only rules of `window`. */
  private async importSome(window?: string, race?: number): Promise<void> {
    const id = this.nextId++;
    const items: WriteRecord['items'] = [];
    const windows: Record<string, unknown>[] = [];
    let newWindow: string | undefined;
    if (!window && this.rng.chance(0.4)) {
      newWindow = `cw${this.nextWindow++}`;
      const nonce = this.nonce(id, items.length);
      windows.push({ name: newWindow, ...this.windowBody(nonce) });
      items.push({ key: `windows/${newWindow}`, nonce });
    }
    const rules: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    for (let i = this.rng.int(1, 3); i > 0; i--) {
      const rule = this.newRuleId(
        window ?? (newWindow && this.rng.chance(0.6) ? newWindow : undefined),
      );
      const key = `rules/${rule.department}/${rule.grade}/${rule.window}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const nonce = this.nonce(id, items.length);
      rules.push({ ...rule, ...this.ruleBody(nonce) });
      items.push({ key, nonce });
    }
    const answer = await this.write(
      'import',
      'POST',
      '/api/v1/import',
      'admin',
      { windows, rules },
      items,
      { id, race },
    );
    if (answer && outcomeOf(answer.status) !== 'rejected') {
      if (newWindow) this.windows.add(newWindow);
      for (const item of items)
        if (item.key.startsWith('rules/')) this.rules.add(item.key.slice('rules/'.length));
    }
  }

  /**
   * A fresh, unused window is deleted while an import and a rule create that use it are in
   * flight. Whatever wins, no rule may end up pointing at a missing window.
   */
  private async race(): Promise<void> {
    const window = await this.createWindow();
    if (!window) return;
    const race = ++this.races;
    // A few ms apart: an import commits about two etcd round trips after it arrives.
    const jitter = () => sleep(this.rng.int(0, 6));
    await Promise.all([
      jitter().then(() => this.remove('windows', window, race)),
      jitter().then(() => this.importSome(window, race)),
      jitter().then(() => this.createRule(window, race)),
    ]);
  }
}
