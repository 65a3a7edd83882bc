import { GrpcObject, ServiceClientConstructor, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** proto/ at the repository root, from src/ (ts) or dist/src/ (built). */
export const PROTO_DIR =
  [join(__dirname, '../../../proto'), join(__dirname, '../../../../proto')].find((d) =>
    existsSync(d),
  ) ?? 'proto';

/** keepCase: proto field names on the wire objects; defaults off so `optional` presence survives. */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export function loadService(file: string, path: string): ServiceClientConstructor {
  const definition = loadSync(file, LOADER_OPTIONS);
  let node: unknown = loadPackageDefinition(definition);
  for (const part of path.split('.')) node = (node as GrpcObject)[part];
  return node as ServiceClientConstructor;
}
