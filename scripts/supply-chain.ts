import { existsSync, readFileSync } from 'node:fs';
import { Lockfile, POLICY, checkLockfile } from './lib/lockfile-policy';

/**
 * `npm run supply-chain`: the offline lockfile policy (scripts/lib/lockfile-policy.ts) on the
 * service's lockfile, the Node SDK's (clients/node) and the console's (console/): each is its own
 * package; exit 1 on a violation.
 */
const LOCKFILES = [
  'package-lock.json',
  'clients/node/package-lock.json',
  'console/package-lock.json',
];

let failed = false;
for (const file of LOCKFILES.filter((f) => existsSync(f))) {
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
  const problems = checkLockfile(lock);
  const count = Object.keys(lock.packages ?? {}).length - 1;
  if (problems.length) {
    failed = true;
    process.stderr.write(
      `supply chain: ${problems.length} problem(s) in ${file}\n  - ${problems.join('\n  - ')}\n`,
    );
  } else
    process.stdout.write(
      `supply chain: ${file}: ${count} locked packages, all sha512-pinned from the npm registry\n`,
    );
}
if (failed) process.exit(1);
const tolerated = Object.entries(POLICY.toleratedDuplicates).map(([id, why]) => `${id} (${why})`);
process.stdout.write(
  `supply chain: install scripts only in ${Object.keys(POLICY.installScripts).join(', ')}; tolerated duplicates: ${tolerated.join('; ')}\n`,
);
