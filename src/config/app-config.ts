import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { version } from '../../package.json';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const DESCRIPTOR_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;
const keyMessage = (v: string) => `${v} must be 1–64 of A-Z a-z 0-9 _ . : -`;
const HEADER_NAME = /^[a-z0-9-]{1,64}$/;
const headerMessage = (v: string) => `${v} must be a lower-case HTTP header name`;

export type Role = 'viewer' | 'editor' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

export interface ApiToken {
  /** Goes into audit records as the actor. */
  name: string;
  role: Role;
  token: string;
}

/** The typed, validated configuration. Built once at boot; nothing else reads process.env. */
export class AppConfig {
  httpHost!: string;
  httpPort!: number;
  etcdEndpoints!: string[];
  etcdPrefix!: string;
  etcdRequestTimeoutMs!: number;
  etcdUsername?: string;
  etcdPassword?: string;
  /** etcd's --max-txn-ops; bounds how many changes one import may carry. */
  etcdMaxTxnOps!: number;
  /** How often the etcd liveness probe runs while the watch looks idle. */
  etcdWatchdogMs!: number;
  snapshotPath!: string;
  apiTokens!: ApiToken[];
  bodyLimitBytes!: number;
  logLevel!: string;
  auditRetentionCount!: number;
  auditRetentionDays!: number;
  /** How long a write waits for this instance's index to show it before answering. */
  writeVisibilityTimeoutMs!: number;
  grpcHost!: string;
  grpcPort!: number;
  redisUrl!: string;
  /** host:port seeds of a Redis Cluster; empty = single Redis at redisUrl. */
  redisClusterNodes!: string[];
  redisTimeoutMs!: number;
  redisKeyPrefix!: string;
  noRuleVerdict!: 'ALLOW' | 'REJECT';
  maxHits!: number;
  maxBatch!: number;
  atMaxSkewMs!: number;
  instanceId!: string;
  /** Seconds an instance's registration outlives it (etcd lease TTL). */
  instanceTtlSeconds!: number;
  shutdownGraceMs!: number;
  maxOutcomes!: number;
  watchHistory!: number;
  watchMaxPending!: number;
  /** Shared token gRPC callers must send; undefined = no caller check. */
  grpcToken?: string;
  /** Failed admin logins allowed per client IP per minute before 429. */
  authFailuresPerMinute!: number;
  /** TLS for REST and gRPC (PEM contents); clientCa makes gRPC require client certificates (mTLS). */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  /** Envoy rate limit service (ShouldRateLimit) mapping. */
  rls!: {
    domain: string;
    keys: { department: string; grade: string; resource: string; clientId: string };
    degradeHeader: string;
    circuitHeader: string;
    rateLimitHeaders: boolean;
  };
  maxLatencyMs!: number;
  /** This build's version (package.json), shown in the instance registry. */
  version!: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Raw environment, one property per variable, with defaults. Documented in README "Configuration". */
class Environment {
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) HTTP_PORT = 8080;
  @IsString() @MinLength(1) ETCD_ENDPOINTS = 'http://127.0.0.1:2379';
  @Matches(/^\/([A-Za-z0-9._-]+\/)*$/, {
    message:
      'ETCD_PREFIX must start and end with "/" and hold only A-Z a-z 0-9 . _ - between slashes',
  })
  ETCD_PREFIX = '/rulecenter/v1/';
  @IsInt() @Min(50) @Max(60_000) ETCD_REQUEST_TIMEOUT_MS = 2000;
  @IsString() ETCD_USERNAME = '';
  @IsString() ETCD_PASSWORD = '';
  @IsInt() @Min(8) @Max(100_000) ETCD_MAX_TXN_OPS = 128;
  @IsInt() @Min(100) @Max(600_000) ETCD_WATCHDOG_MS = 3000;
  @IsString() @MinLength(1) SNAPSHOT_PATH = './data/rules-snapshot.json';
  @IsString() AUTH_TOKENS = '';
  @IsInt() @Min(1024) @Max(64 * 1024 * 1024) BODY_LIMIT_BYTES = 1024 * 1024;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsInt() @Min(0) AUDIT_RETENTION_COUNT = 10_000;
  @IsInt() @Min(0) AUDIT_RETENTION_DAYS = 90;
  @IsInt() @Min(0) @Max(60_000) WRITE_VISIBILITY_TIMEOUT_MS = 2000;
  @IsString() GRPC_HOST = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) GRPC_PORT = 9090;
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must look like redis://host:port' })
  REDIS_URL = 'redis://127.0.0.1:6379';
  @IsString() REDIS_CLUSTER_NODES = '';
  @IsInt() @Min(1) @Max(10_000) REDIS_TIMEOUT_MS = 100;
  @Matches(/^[A-Za-z0-9:_.-]{0,32}$/, {
    message: 'REDIS_KEY_PREFIX must be at most 32 of A-Z a-z 0-9 : _ . -',
  })
  REDIS_KEY_PREFIX = 'rc:';
  @IsIn(['ALLOW', 'REJECT']) NO_RULE_VERDICT = 'ALLOW';
  @IsInt() @Min(1) @Max(1_000_000) MAX_HITS = 1000;
  @IsInt() @Min(1) @Max(10_000) MAX_BATCH = 1000;
  @IsInt() @Min(0) AT_MAX_SKEW_MS = 366 * 86_400_000;
  @Matches(/^[A-Za-z0-9._-]{0,64}$/, {
    message: 'INSTANCE_ID must be at most 64 of A-Z a-z 0-9 . _ -',
  })
  INSTANCE_ID = '';
  @IsInt() @Min(2) @Max(300) INSTANCE_TTL_SECONDS = 10;
  @IsInt() @Min(0) @Max(600_000) SHUTDOWN_GRACE_MS = 10_000;
  @IsInt() @Min(1) @Max(100_000) MAX_OUTCOMES = 10_000;
  @IsInt() @Min(0) @Max(1_000_000) WATCH_HISTORY = 10_000;
  @IsInt() @Min(1) @Max(1_000_000) WATCH_MAX_PENDING = 1_000;
  @IsString() @MaxLength(128) RLS_DOMAIN = '';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_DEPARTMENT') }) RLS_KEY_DEPARTMENT =
    'department';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_GRADE') }) RLS_KEY_GRADE = 'grade';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_RESOURCE') }) RLS_KEY_RESOURCE =
    'resource';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_CLIENT_ID') }) RLS_KEY_CLIENT_ID =
    'client_id';
  @Matches(HEADER_NAME, { message: headerMessage('RLS_DEGRADE_HEADER') }) RLS_DEGRADE_HEADER =
    'x-rulecenter-degrade';
  @Matches(HEADER_NAME, { message: headerMessage('RLS_CIRCUIT_HEADER') }) RLS_CIRCUIT_HEADER =
    'x-rulecenter-circuit';
  @IsIn(['true', 'false']) RLS_RATELIMIT_HEADERS = 'false';
  @IsString() GRPC_TOKEN = '';
  @IsInt() @Min(1) @Max(100_000) AUTH_FAILURES_PER_MINUTE = 20;
  @IsString() TLS_CERT_FILE = '';
  @IsString() TLS_KEY_FILE = '';
  @IsString() GRPC_CLIENT_CA_FILE = '';
  @IsInt() @Min(1) @Max(86_400_000) MAX_LATENCY_MS = 600_000;
}

const INTEGER = /^-?\d+$/;

function parseTokens(raw: string, problems: string[]): ApiToken[] {
  const tokens: ApiToken[] = [];
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const [name, role, ...rest] = entry.split(':');
    const token = rest.join(':');
    const where = `AUTH_TOKENS entry ${i + 1}`;
    if (!name || !/^[A-Za-z0-9._@-]{1,64}$/.test(name))
      problems.push(`${where}: name must be 1–64 of A-Z a-z 0-9 . _ @ - (format name:role:token)`);
    else if (!ROLES.includes(role as Role))
      problems.push(`${where} (${name}): role must be one of ${ROLES.join(', ')}`);
    else if (token.length < 8)
      problems.push(`${where} (${name}): token must be at least 8 characters`);
    else tokens.push({ name, role: role as Role, token });
  });
  const seen = new Set<string>();
  for (const t of tokens) {
    if (seen.has(t.token)) problems.push(`AUTH_TOKENS: the token of ${t.name} is used twice`);
    seen.add(t.token);
  }
  return tokens;
}

function readPem(variable: string, path: string, problems: string[]): Buffer | undefined {
  try {
    const pem = readFileSync(path);
    if (!pem.toString('utf8').includes('-----BEGIN '))
      problems.push(`${variable}: ${path} is not a PEM file`);
    return pem;
  } catch (error) {
    problems.push(
      `${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
    return undefined;
  }
}

function readTls(
  certFile: string,
  keyFile: string,
  caFile: string,
  problems: string[],
): AppConfig['tls'] {
  if (!certFile && !keyFile) {
    if (caFile) problems.push('GRPC_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE');
    return undefined;
  }
  if (!certFile || !keyFile) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither');
    return undefined;
  }
  const cert = readPem('TLS_CERT_FILE', certFile, problems);
  const key = readPem('TLS_KEY_FILE', keyFile, problems);
  const clientCa = caFile ? readPem('GRPC_CLIENT_CA_FILE', caFile, problems) : undefined;
  return cert && key ? { cert, key, clientCa } : undefined;
}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const problems: string[] = [];
  const defaults = new Environment();
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(defaults)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const fallback = (defaults as unknown as Record<string, unknown>)[name];
    if (typeof fallback === 'number') {
      if (!INTEGER.test(value.trim())) {
        problems.push(`${name} must be an integer; got "${value}"`);
        continue;
      }
      raw[name] = Number(value);
    } else raw[name] = value;
  }
  const parsed = Object.assign(defaults, plainToInstance(Environment, raw));
  for (const error of validateSync(parsed)) {
    const got = JSON.stringify((parsed as unknown as Record<string, unknown>)[error.property]);
    for (const message of Object.values(error.constraints ?? {}))
      problems.push(`${message} (got ${got})`);
  }
  const endpoints = parsed.ETCD_ENDPOINTS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const endpoint of endpoints) {
    if (!/^https?:\/\/[^/\s]+$/.test(endpoint))
      problems.push(`ETCD_ENDPOINTS: "${endpoint}" must look like http://host:port`);
  }
  const apiTokens = parseTokens(parsed.AUTH_TOKENS, problems);
  const clusterNodes = parsed.REDIS_CLUSTER_NODES.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const node of clusterNodes) {
    if (!/^[^\s:]+:\d{1,5}$/.test(node))
      problems.push(`REDIS_CLUSTER_NODES: "${node}" must look like host:port`);
  }
  const tls = readTls(
    parsed.TLS_CERT_FILE,
    parsed.TLS_KEY_FILE,
    parsed.GRPC_CLIENT_CA_FILE,
    problems,
  );
  if (parsed.GRPC_TOKEN && parsed.GRPC_TOKEN.length < 16)
    problems.push('GRPC_TOKEN must be at least 16 characters when set');
  if (problems.length) throw new ConfigError(problems);
  return Object.assign(new AppConfig(), {
    httpHost: parsed.HTTP_HOST,
    httpPort: parsed.HTTP_PORT,
    etcdEndpoints: endpoints,
    etcdPrefix: parsed.ETCD_PREFIX,
    etcdRequestTimeoutMs: parsed.ETCD_REQUEST_TIMEOUT_MS,
    etcdUsername: parsed.ETCD_USERNAME || undefined,
    etcdPassword: parsed.ETCD_PASSWORD || undefined,
    etcdMaxTxnOps: parsed.ETCD_MAX_TXN_OPS,
    etcdWatchdogMs: parsed.ETCD_WATCHDOG_MS,
    snapshotPath: parsed.SNAPSHOT_PATH,
    apiTokens,
    bodyLimitBytes: parsed.BODY_LIMIT_BYTES,
    logLevel: parsed.LOG_LEVEL,
    auditRetentionCount: parsed.AUDIT_RETENTION_COUNT,
    auditRetentionDays: parsed.AUDIT_RETENTION_DAYS,
    writeVisibilityTimeoutMs: parsed.WRITE_VISIBILITY_TIMEOUT_MS,
    grpcHost: parsed.GRPC_HOST,
    grpcPort: parsed.GRPC_PORT,
    redisUrl: parsed.REDIS_URL,
    redisClusterNodes: clusterNodes,
    redisTimeoutMs: parsed.REDIS_TIMEOUT_MS,
    redisKeyPrefix: parsed.REDIS_KEY_PREFIX,
    noRuleVerdict: parsed.NO_RULE_VERDICT as 'ALLOW' | 'REJECT',
    maxHits: parsed.MAX_HITS,
    maxBatch: parsed.MAX_BATCH,
    atMaxSkewMs: parsed.AT_MAX_SKEW_MS,
    instanceId:
      parsed.INSTANCE_ID || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    instanceTtlSeconds: parsed.INSTANCE_TTL_SECONDS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    maxOutcomes: parsed.MAX_OUTCOMES,
    watchHistory: parsed.WATCH_HISTORY,
    watchMaxPending: parsed.WATCH_MAX_PENDING,
    grpcToken: parsed.GRPC_TOKEN || undefined,
    authFailuresPerMinute: parsed.AUTH_FAILURES_PER_MINUTE,
    tls,
    rls: {
      domain: parsed.RLS_DOMAIN,
      keys: {
        department: parsed.RLS_KEY_DEPARTMENT,
        grade: parsed.RLS_KEY_GRADE,
        resource: parsed.RLS_KEY_RESOURCE,
        clientId: parsed.RLS_KEY_CLIENT_ID,
      },
      degradeHeader: parsed.RLS_DEGRADE_HEADER,
      circuitHeader: parsed.RLS_CIRCUIT_HEADER,
      rateLimitHeaders: parsed.RLS_RATELIMIT_HEADERS === 'true',
    },
    maxLatencyMs: parsed.MAX_LATENCY_MS,
    version,
  });
}
