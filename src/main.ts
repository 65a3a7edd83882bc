import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { createApp } from './app.factory';
import { RootLogger } from './observability/root-logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.httpPort, config.httpHost);
  // Nest's own "successfully started" line names no address; this one does (the gRPC server logs its own).
  const { port } = app.getHttpServer().address() as { port: number }; // HTTP_PORT=0 picks one
  app.get(RootLogger).child('http').info({ host: config.httpHost, port }, 'HTTP listening');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `rule-center failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
