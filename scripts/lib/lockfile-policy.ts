/**
 * Offline supply-chain checks of package-lock.json, fast enough for every CI run and with no
 * network call that could fail spuriously:
 * - every package is pinned by a sha512 integrity hash (npm ci refuses a tarball that differs);
 * - nothing comes from anywhere but the npm registry (no git, tarball URL, file: or link);
 * - only approved packages have install scripts (npm 11 skips unapproved ones; a new one must be
 *   looked at before it is approved here);
 * - packages where two copies mean two incompatible sets of runtime classes (gRPC, protobuf)
 *   exist once, except for the duplicates listed with the reason they are tolerated.
 */
export interface LockfilePolicy {
  registry: string;
  /** name → why its install script is acceptable. */
  installScripts: Record<string, string>;
  /** Packages that must not be installed twice. */
  single: string[];
  /** `name@version` of tolerated second copies → why. */
  toleratedDuplicates: Record<string, string>;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  inBundle?: boolean;
  hasInstallScript?: boolean;
}

export interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

export const POLICY: LockfilePolicy = {
  registry: 'https://registry.npmjs.org/',
  installScripts: {
    protobufjs: 'postinstall only prints a version notice; not approved, so npm 11 skips it',
    '@scarf/scarf':
      "swagger-ui-dist's install analytics ping; not approved, so npm 11 skips it (set SCARF_ANALYTICS=false elsewhere)",
  },
  single: ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'],
  toleratedDuplicates: {
    '@grpc/proto-loader@0.7.15':
      'etcd3 1.1.2 (unmaintained, last release 2023) pins ^0.7.8; it loads only its own protos',
  },
};

const nameOf = (path: string): string =>
  path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

export function checkLockfile(lock: Lockfile, policy: LockfilePolicy = POLICY): string[] {
  const problems: string[] = [];
  if ((lock.lockfileVersion ?? 0) < 2)
    problems.push('package-lock.json must be lockfileVersion 2 or 3');
  const versions = new Map<string, Set<string>>();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.inBundle) continue;
    const name = nameOf(path);
    const id = `${name}@${entry.version ?? '?'}`;
    if (entry.link) problems.push(`${path}: a link, not a registry package`);
    else {
      if (!entry.integrity?.startsWith('sha512-'))
        problems.push(`${id}: no sha512 integrity hash in the lockfile`);
      if (entry.resolved !== undefined && !entry.resolved.startsWith(policy.registry))
        problems.push(`${id}: resolved from ${entry.resolved}, not from ${policy.registry}`);
      if (entry.version && !/^\d+\.\d+\.\d+/.test(entry.version))
        problems.push(`${id}: version is not a registry version`);
    }
    if (entry.hasInstallScript && !(name in policy.installScripts))
      problems.push(
        `${id}: has an install script that nobody reviewed (see scripts/lib/lockfile-policy.ts)`,
      );
    if (!versions.has(name)) versions.set(name, new Set());
    versions.get(name)?.add(entry.version ?? '?');
  }
  for (const name of policy.single) {
    const found = [...(versions.get(name) ?? [])];
    const extra = found.filter((v) => !(`${name}@${v}` in policy.toleratedDuplicates));
    if (found.length > 1 && extra.length !== 1)
      problems.push(`${name} is installed ${found.length} times (${found.join(', ')})`);
  }
  return problems;
}
