import { STATUS_CODES, Server } from 'node:http';
import { Duplex } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import pinoHttp from 'pino-http';
import { NestPinoLogger } from './observability/nest-pino.logger';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { createRootLogger } from './observability/logger';
import { RootLogger } from './observability/root-logger';
import { splitOpsTraffic } from './transport/http/ops-listener';
import { consoleDirectory, serveConsole } from './transport/http/console-assets';
import { openApiDocument } from './transport/http/openapi';
import { securityHeaders } from './transport/http/security-headers';
import { TLS_SERVER_POLICY } from './transport/tls-policy';

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers over 16 KiB, broken
 * framing) get the same JSON error body as everything else instead of a bare status line.
 */
function answerParserErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message =
      status === 431
        ? 'request headers exceed the server limit (16 KiB)'
        : `malformed HTTP request (${error.code ?? 'parse error'})`;
    const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

const QUIET_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Builds the configured application (not yet listening). Shared by main.ts and the e2e tests. */
export async function createApp(
  config: AppConfig,
  root = new RootLogger(createRootLogger(config.logLevel)),
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, root), {
    bodyParser: false,
    bufferLogs: true,
    httpsOptions: config.tls && {
      ...TLS_SERVER_POLICY,
      cert: config.tls.cert,
      key: config.tls.key,
      // HTTP_CLIENT_CA_FILE: REST callers must present a certificate it signed.
      ca: config.tls.httpClientCa,
      requestCert: config.tls.httpClientCa !== undefined,
      rejectUnauthorized: true,
    },
  });
  app.useLogger(new NestPinoLogger(root.child('nest')));
  const configLog = root.child('config');
  for (const warning of config.warnings) configLog.warn(warning);
  app.use(securityHeaders(config.tls !== undefined));
  if (config.ops) app.use(splitOpsTraffic());
  // One JSON line per REST request (health and metrics scrapes excepted), with a request id.
  app.use(
    pinoHttp({
      logger: root.logger,
      autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
    }),
  );
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  // Our ETags are etcd revisions (set by the handlers); Express's body hashes would mislead.
  app.set('etag', false);
  app.disable('x-powered-by');
  // TRUST_PROXY: whose X-Forwarded-For to believe for the client address (false: nobody's).
  app.set('trust proxy', config.trustProxy);
  app.enableShutdownHooks();
  answerParserErrorsAsJson(app.getHttpServer() as Server);
  serveConsole(app, consoleDirectory(config.consoleDir));
  SwaggerModule.setup('api/docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
  });
  return app;
}
