import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import pinoHttp from 'pino-http';
import { NestPinoLogger } from './observability/nest-pino.logger';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { createRootLogger } from './observability/logger';
import { RootLogger } from './observability/root-logger';

const QUIET_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Builds the configured application (not yet listening). Shared by main.ts and the e2e tests. */
export async function createApp(
  config: AppConfig,
  root = new RootLogger(createRootLogger(config.logLevel)),
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, root), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(new NestPinoLogger(root.child('nest')));
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
  app.enableShutdownHooks();
  const openApi = new DocumentBuilder()
    .setTitle('Rule Center admin API')
    .setDescription(
      'Rate-limit rules, time windows, explain, import/export and audit. See README.md.',
    )
    .setVersion('v1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'api/docs-json',
  });
  return app;
}
