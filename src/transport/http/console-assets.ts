import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Where `npm --prefix console run build` puts the console, from src/ (ts-node) or dist/src/. */
export function consoleDirectory(configured?: string): string | undefined {
  const candidates = configured
    ? [resolve(configured)]
    : [resolve(__dirname, '../../../console/dist'), resolve(__dirname, '../../../../console/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * The web console at /console: the static files Vite built, served by this service so the
 * console calls the API on the same origin (no CORS, one TLS setting). Hashed assets are
 * cached for good; index.html is always asked again so a deploy shows at once. Without a
 * build, /console says how to make one.
 */
export function serveConsole(app: NestExpressApplication, dir: string | undefined): void {
  if (!dir) {
    app.use('/console', (_req: unknown, res: ServerResponse) => {
      const body = JSON.stringify({
        statusCode: 404,
        error: 'Not Found',
        message: 'the console is not built: run `npm --prefix console run build` (npm start does)',
      });
      res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' }).end(body);
    });
    return;
  }
  app.useStaticAssets(dir, {
    prefix: '/console/',
    index: 'index.html',
    setHeaders: (res: ServerResponse, path: string) =>
      res.setHeader(
        'Cache-Control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ),
  });
}
