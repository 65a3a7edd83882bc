import { ChangeEvent } from './config-store.port';

/** A copy of every accepted rule and window entry at one revision, kept for restarts during an etcd outage. */
export interface RuleSnapshot {
  revision: number;
  savedAt: string;
  entries: ChangeEvent[];
}

export abstract class SnapshotStore {
  /** The saved snapshot, or undefined when none exists or it cannot be read. */
  abstract load(): Promise<RuleSnapshot | undefined>;
  abstract save(snapshot: RuleSnapshot): Promise<void>;
}
