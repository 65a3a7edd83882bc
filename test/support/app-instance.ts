import { INestApplication } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { RootLogger } from '../../src/observability/root-logger';
import { migrate } from '../../src/services/schema-migrator';
import { GrpcServer } from '../../src/transport/grpc/grpc-server';
import { DecisionClient, decisionClient } from './grpc-client';

/** Test-only secrets, strong enough for the boot-time check (32+ random characters). */
export const TOKENS = {
  admin: 'test-admin-faddfcd0b3d21a2b0d088617a45326c3dd1f54c8',
  editor: 'test-editor-302464f152f2f444d36bbd3b2b9695c7f5d941e9',
  viewer: 'test-viewer-17cc3f22b835154602839c358112d4daf8765cc4',
};
export const AUTH_TOKENS = `root:admin:${TOKENS.admin},ed:editor:${TOKENS.editor},vi:viewer:${TOKENS.viewer}`;
export const bearer = (role: keyof typeof TOKENS): string => `Bearer ${TOKENS[role]}`;

export function storeFor(endpoint: string, prefix = '/rulecenter/v1/'): EtcdConfigStore {
  return new EtcdConfigStore({ endpoints: [endpoint], prefix, requestTimeoutMs: 2000 });
}

export async function migrateEtcd(endpoint: string): Promise<void> {
  const store = storeFor(endpoint);
  await migrate(store, 'test');
  await store.close();
}

export interface Instance {
  app: INestApplication;
  config: AppConfig;
  grpcPort: number;
  /** A new gRPC DecisionService client on this instance (close it when done). */
  grpc: () => DecisionClient;
  http: () => TestAgent;
  close(): Promise<void>;
}

/** One Rule Center application on an ephemeral port, against the given etcd. */
export async function startInstance(
  etcdEndpoint: string,
  redisUrl: string,
  env: Record<string, string> = {},
  root?: RootLogger,
): Promise<Instance> {
  const config = loadConfig({
    ETCD_ENDPOINTS: etcdEndpoint,
    REDIS_URL: redisUrl,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    SHUTDOWN_GRACE_MS: '2000',
    AUTH_TOKENS,
    LOG_LEVEL: 'silent',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ETCD_REQUEST_TIMEOUT_MS: '1000',
    ETCD_WATCHDOG_MS: '300',
    SNAPSHOT_PATH: join(mkdtempSync(join(tmpdir(), 'rulecenter-snap-')), 'rules.json'),
    ...env,
  });
  const app = await createApp(config, root);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const server = app.getHttpServer();
  const grpcPort = app.get(GrpcServer).port;
  return {
    app,
    config,
    grpcPort,
    grpc: () => decisionClient(grpcPort),
    http: () => request(server),
    close: () => app.close(),
  };
}
