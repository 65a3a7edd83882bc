import { ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { killOnExit, waitFor } from '../support/ports';

const run = promisify(execFile);

export interface OracleEvent {
  revision: number;
  /** Relative to the prefix, as the product names keys: "rules/cs/2023/any". */
  key: string;
  /** null for a delete. */
  value: string | null;
}

export interface KeyState {
  value: string;
  modRevision: number;
}

/** Revisions (from, to] whose events the oracle never saw (a compaction overtook it); the state at `to` was read instead. */
interface Gap {
  from: number;
  to: number;
  state: Map<string, KeyState>;
}

interface WatchLine {
  Events?: { type?: number; kv: { key: string; value?: string; mod_revision: number | string } }[];
  CompactRevision?: number | string;
  Canceled?: boolean;
}

interface RangeResult {
  kvs?: { key: string; value?: string; mod_revision: number | string }[];
}

const decode = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString();

/**
 * The truth about etcd, independent of the product: `etcdctl watch --prefix <prefix> --rev 1
 * -w json` run as a child process against every member. The Go client resumes a broken watch from
 * the last revision it delivered (by itself, on another member if need be), so its output is the
 * complete revision history of the prefix: keys and values base64-encoded, `type: 1` for a delete
 * (checked on etcd 3.4.23). If the oracle falls behind a compaction (its member was stopped while
 * the cluster compacted), etcd cancels the watch with the compact revision C: the oracle then reads
 * the whole prefix at C, marks the revisions it missed as unknown, and watches again from C + 1.
 * Checks whose range touches an unknown stretch are reported as unverifiable, never as passed.
 */
export class Oracle {
  readonly events: OracleEvent[] = [];
  readonly gaps: Gap[] = [];
  /** Every revision up to here is known (or inside a gap). */
  lastRevision = 0;
  /** Times the etcdctl child had to be started again (a harness health figure). */
  restarts = 0;
  private child?: ChildProcess;
  private stopped = false;
  private compactedTo?: number;

  constructor(
    private readonly endpoints: string[],
    private readonly prefix: string,
    private readonly logFile: string,
  ) {}

  start(): void {
    this.spawnWatch(1);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  private spawnWatch(from: number): void {
    if (this.stopped) return;
    const log = openSync(this.logFile, 'a');
    const child = spawn(
      'etcdctl',
      [
        '--endpoints',
        this.endpoints.join(','),
        'watch',
        '--prefix',
        this.prefix,
        '--rev',
        String(from),
        '-w',
        'json',
      ],
      { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', log] },
    );
    closeSync(log);
    this.child = child;
    killOnExit(child);
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    // 'close', not 'exit': the cancel line naming the compact revision must have been read.
    child.once('close', () => this.onExit());
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as WatchLine;
    if (message.Canceled) {
      const compacted = Number(message.CompactRevision ?? 0);
      if (compacted > 0) this.compactedTo = compacted;
      return;
    }
    for (const e of message.Events ?? []) {
      const revision = Number(e.kv.mod_revision);
      // A resumed watch never repeats a revision, but be safe: history is append-only.
      if (revision < this.lastRevision) continue;
      this.events.push({
        revision,
        key: decode(e.kv.key).slice(this.prefix.length),
        value: e.type === 1 ? null : decode(e.kv.value),
      });
      this.lastRevision = revision;
    }
  }

  private onExit(): void {
    if (this.stopped) return;
    this.restarts++;
    const compacted = this.compactedTo;
    this.compactedTo = undefined;
    if (compacted === undefined || compacted <= this.lastRevision) {
      setTimeout(() => this.spawnWatch(this.lastRevision + 1), 300);
      return;
    }
    this.readAt(compacted).then(
      (state) => {
        this.gaps.push({ from: this.lastRevision, to: compacted, state });
        this.lastRevision = compacted;
        this.spawnWatch(compacted + 1);
      },
      // Compacted again meanwhile (or etcd down): the next watch says where history starts now.
      () => setTimeout(() => this.spawnWatch(this.lastRevision + 1), 300),
    );
  }

  /** The whole prefix as etcd holds it at `revision` (etcd range with --rev). */
  async readAt(revision: number): Promise<Map<string, KeyState>> {
    const { stdout } = await run(
      'etcdctl',
      [
        '--endpoints',
        this.endpoints.join(','),
        '--command-timeout=5s',
        'get',
        '--prefix',
        this.prefix,
        '--rev',
        String(revision),
        '-w',
        'json',
      ],
      { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const state = new Map<string, KeyState>();
    for (const kv of (JSON.parse(stdout) as RangeResult).kvs ?? [])
      state.set(decode(kv.key).slice(this.prefix.length), {
        value: decode(kv.value),
        modRevision: Number(kv.mod_revision),
      });
    return state;
  }

  async waitCaughtUp(revision: number, timeoutMs: number): Promise<void> {
    await waitFor(
      `oracle at revision ${revision}`,
      () => this.lastRevision >= revision,
      timeoutMs,
      50,
    );
  }

  /** Are the events of revisions (from, to] all known? */
  knows(from: number, to: number): boolean {
    return to <= this.lastRevision && this.gaps.every((g) => !(g.from < to && from < g.to));
  }

  /** Events with from < revision ≤ to that pass `keep`; undefined when part of the range is unknown. */
  eventsIn(
    from: number,
    to: number,
    keep: (key: string) => boolean = () => true,
  ): OracleEvent[] | undefined {
    if (!this.knows(from, to)) return undefined;
    return this.events.filter((e) => e.revision > from && e.revision <= to && keep(e.key));
  }

  /** The prefix's content at `revision`; undefined when the oracle does not know it. */
  stateAt(revision: number): Map<string, KeyState> | undefined {
    if (revision > this.lastRevision) return undefined;
    if (this.gaps.some((g) => g.from < revision && revision < g.to)) return undefined;
    const base = [...this.gaps].reverse().find((g) => g.to <= revision);
    const state = new Map(base?.state ?? []);
    for (const e of this.events) {
      if (e.revision > revision) break;
      if (base && e.revision <= base.to) continue;
      if (e.value === null) state.delete(e.key);
      else state.set(e.key, { value: e.value, modRevision: e.revision });
    }
    return state;
  }
}
