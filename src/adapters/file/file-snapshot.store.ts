import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
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

  async save(snapshot: RuleSnapshot): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(snapshot));
    await rename(temp, this.path);
  }
}
