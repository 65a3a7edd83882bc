import { readFileSync } from 'node:fs';
import { POLICY, checkLockfile } from './lib/lockfile-policy';

/** `npm run supply-chain`: the offline lockfile policy (scripts/lib/lockfile-policy.ts); exit 1 on a violation. */
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const problems = checkLockfile(lock);
const count = Object.keys(lock.packages ?? {}).length - 1;
if (problems.length) {
  process.stderr.write(
    `supply chain: ${problems.length} problem(s) in package-lock.json\n  - ${problems.join('\n  - ')}\n`,
  );
  process.exit(1);
}
const tolerated = Object.entries(POLICY.toleratedDuplicates).map(([id, why]) => `${id} (${why})`);
process.stdout.write(
  `supply chain: ${count} locked packages, all sha512-pinned from the npm registry; install scripts only in ${Object.keys(POLICY.installScripts).join(', ')}; tolerated duplicates: ${tolerated.join('; ')}\n`,
);
