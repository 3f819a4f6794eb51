import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService as spawnCompiled, type SpawnedService } from '../../scripts/lib/service-process.js';
import { freePort } from '../../src/database/embedded-postgres.js';
import { TEST_JWT_SECRET } from './app.js';
import { until } from './until.js';

export type ServiceProcess = SpawnedService;

/**
 * Where this run's compiled service lives: `.test-dist/<run id>` (globalSetup names it, globalTeardown deletes
 * it), never dist/, so a `npm run build` (which empties dist/) elsewhere cannot pull files from under a test.
 */
export function buildDir(): string {
  const dir = process.env.TEST_BUILD_DIR;
  if (!dir) throw new Error('TEST_BUILD_DIR is not set: run the tests through jest (globalSetup names the build folder)');
  return dir;
}

/** A compiled file of this run's build, e.g. `compiled('scripts/stripe-recover.js')`. */
export const compiled = (path: string) => join(buildDir(), path);

/**
 * Compiles the service, the scripts and the benchmarks once per test run (`tsc -p tsconfig.build.json`),
 * however many test files ask for it at once: the first takes a lock (an atomic mkdir), the others wait
 * for its "done" (or "failed") marker.
 */
export async function buildService(): Promise<void> {
  const dir = buildDir();
  const done = `${dir}.done`;
  const failed = `${dir}.failed`;
  mkdirSync(join(dir, '..'), { recursive: true });
  let owner = false;
  try {
    mkdirSync(`${dir}.lock`);
    owner = true;
  } catch {
    // another test file is building
  }
  if (owner) {
    try {
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      writeFileSync(done, '');
    } catch (error) {
      const out = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
      writeFileSync(failed, out);
      throw new Error(`tsc -p tsconfig.build.json failed:\n${out}`);
    }
    return;
  }
  await until(() => existsSync(done) || existsSync(failed), 'another test file to compile the service', 300_000, 250);
  if (existsSync(failed)) throw new Error(`tsc -p tsconfig.build.json failed:\n${readFileSync(failed, 'utf8')}`);
}

/**
 * One compiled service process (`node main.js` of this run's build, or `entry`) on a free port, in production mode
 * against the given database unless `env` says otherwise (local mode passes NODE_ENV=development and no
 * DATABASE_URL). Only PATH is inherited from the test's environment.
 */
export async function spawnService(env: Record<string, string>, options: { timeoutMs?: number; entry?: string } = {}): Promise<ServiceProcess> {
  return spawnCompiled({
    entry: options.entry ?? compiled('main.js'),
    port: await freePort(),
    timeoutMs: options.timeoutMs ?? 30_000,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
      STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
      METRICS_TOKEN: 'test-metrics-token-0123456789',
      ...env,
    },
  });
}
