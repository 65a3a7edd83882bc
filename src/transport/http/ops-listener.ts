import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IncomingMessage, RequestListener, Server, ServerResponse, createServer } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { RootLogger } from '../../observability/root-logger';

/** Paths for operators and their tools, not for API clients. */
export function isOpsPath(path: string): boolean {
  return (
    path === '/healthz' ||
    path === '/readyz' ||
    path === '/metrics' ||
    path === '/api/docs' ||
    path.startsWith('/api/docs/') ||
    path.startsWith('/api/docs-json')
  );
}

const arrivedOnOps = new WeakSet<IncomingMessage>();

/**
 * With OPS_PORT set, operations paths (health, readiness, metrics, OpenAPI docs) answer only on
 * the ops listener and everything else only on the main one; each gets 404 on the other. One
 * Express application serves both listeners, so the controllers stay where they are.
 */
export function splitOpsTraffic() {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (isOpsPath(path) === arrivedOnOps.has(req)) return next();
    const body = JSON.stringify({
      statusCode: 404,
      error: 'Not Found',
      message: `Cannot ${req.method ?? 'GET'} ${path}`,
    });
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' }).end(body);
  };
}

/** The plain-HTTP listener on OPS_HOST:OPS_PORT, for probes, Prometheus and the docs. */
@Injectable()
export class OpsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;
  private boundPort = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly root: RootLogger,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const ops = this.config.ops;
    if (!ops) return;
    const app = this.adapterHost.httpAdapter.getInstance<RequestListener>();
    const server = createServer((req, res) => {
      arrivedOnOps.add(req);
      app(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new Error(`ops listener could not listen on ${ops.host}:${ops.port}: ${error.message}`),
        ),
      );
      server.listen(ops.port, ops.host, () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as { port: number }).port;
    this.root.child('ops').info({ host: ops.host, port: this.boundPort }, 'ops listener ready');
  }

  /** Last to close, so probes see the instance turn unready while it drains. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
