/**
 * The layering of STYLE.md, enforced in CI: domain ← schema ← services ← adapters / transports.
 * Nothing in domain/, schema/ or services/ may reach an adapter, a transport or a framework.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ is plain TypeScript: no Nest, no I/O clients, no other layer',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(schema|ports|services|adapters|transport|config|observability)/', '@nestjs', 'etcd3', 'ioredis', '@grpc', 'node_modules/(pino|prom-client)'] },
    },
    {
      name: 'services-use-ports-not-adapters',
      comment: 'services depend on ports; adapters and transports depend on services, never the reverse',
      severity: 'error',
      from: { path: '^src/(services|schema|ports)/' },
      to: { path: ['^src/(adapters|transport)/', 'etcd3', 'ioredis', '@grpc/grpc-js'] },
    },
    {
      name: 'services-are-framework-free',
      comment: 'services and ports are plain classes: Nest wires them (src/modules), they never import it',
      severity: 'error',
      from: { path: '^src/(services|ports)/' },
      to: { path: '@nestjs' },
    },
    {
      name: 'adapters-do-not-use-transports',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(transport|services)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.spec\\.ts$' },
  },
};
