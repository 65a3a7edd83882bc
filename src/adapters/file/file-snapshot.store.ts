import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RuleSnapshot, SnapshotStore } from '../../ports/snapshot-store.port';

/** Snapshot as one JSON file, replaced atomically (write a temp file, then rename). */
export class FileSnapshotStore extends SnapshotStore {
  constructor(private readonly path: string) {
    super();
  }

  async load(): Promise<RuleSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return undefined;
    }
    const parsed = JSON.parse(text) as Partial<RuleSnapshot>;
    if (typeof parsed.revision !== 'number' || !Array.isArray(parsed.entries)) {
      throw new Error(`snapshot ${this.path} is not a rule snapshot (revision/entries missing)`);
    }
    return parsed as RuleSnapshot;
  }

  /**
   * Written in chunks of entries, each an await of the file write, so 100,000 rules never hold
   * the event loop for the whole JSON at once; then renamed over the old file (atomic).
   */
  async save(snapshot: RuleSnapshot): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    const file = await open(temp, 'w');
    try {
      const head = { revision: snapshot.revision, savedAt: snapshot.savedAt };
      await file.write(`${JSON.stringify(head).slice(0, -1)},"entries":[`);
      for (let i = 0; i < snapshot.entries.length; i += CHUNK) {
        const chunk = snapshot.entries.slice(i, i + CHUNK).map((e) => JSON.stringify(e));
        await file.write(`${i ? ',' : ''}${chunk.join(',')}`);
      }
      await file.write(']}');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, this.path);
  }
}

const CHUNK = 1000;
