import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/app-config';
import { RuleIndex } from '../src/domain/rule-index';
import { ruleBodyOrThrow, windowSpecOrThrow } from '../src/schema/stored-entry.codec';
import { validatePlain } from '../src/schema/validate';
import { RuleTransferService } from '../src/services/rule-transfer.service';
import { ImportDocumentDto } from '../src/transport/http/dto/import.dto';
import { cliStore, fail } from './cli-store';

/**
 * `npm run seed [-- file.json]`: loads a rule set (default samples/rules.json) through the same
 * validation and single-transaction import as POST /import, creating only what is missing.
 */
async function main(): Promise<void> {
  const file = process.argv[2] ?? 'samples/rules.json';
  const config = loadConfig(process.env, { serving: false });
  const parsed = validatePlain(ImportDocumentDto, JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.ok) throw new Error(`${file}:\n  ${parsed.problems.join('\n  ')}`);
  const windows = (parsed.value.windows ?? []).map((w, i) => ({
    name: w.name,
    ...windowSpecOrThrow(w, `windows.${i}.`),
  }));
  const rules = (parsed.value.rules ?? []).map((r, i) => ({
    department: r.department,
    grade: r.grade,
    window: r.window,
    ...ruleBodyOrThrow(r, `rules.${i}.`),
  }));
  const store = cliStore(config);
  // A one-shot command has no live index to wait for: its own writes are all it needs to see.
  const noLiveIndex = { index: RuleIndex.empty(), waitForRevision: async () => true };
  try {
    const transfer = new RuleTransferService(store, noLiveIndex, {
      maxTxnOps: config.etcdMaxTxnOps,
      writeVisibilityTimeoutMs: 0,
    });
    const report = await transfer.importAll(windows, rules, 'seed', { onlyMissing: true });
    process.stdout.write(
      `seed ${file}: created ${report.created.length}, left ${report.skipped.length} existing alone (revision ${report.revision})\n`,
    );
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => fail('seed', error));
