import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitOnConfigError, loadDotEnv, startService } from './bootstrap.js';

async function main(): Promise<void> {
  loadDotEnv();
  const service = await startService().catch(exitOnConfigError);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    new Logger('Bootstrap').log(`${signal} received: finishing in-flight requests and stopping`);
    // a request that never ends must not keep the process alive forever
    setTimeout(() => process.exit(1), 30_000).unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        new Logger('Bootstrap').error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
