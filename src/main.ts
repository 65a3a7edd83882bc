import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { createApp } from './app.factory';

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
}

main().catch((error: unknown) => {
  process.stderr.write(
    `rule-center failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
