import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The one "start the compiled service as a child process and wait until /api/health answers 200" helper,
 * shared by the benchmarks (bench/) and the tests that run real processes (test/support/service-process.ts).
 * Development tooling: the production image does not contain it.
 */
export interface SpawnedService {
  url: string;
  process: ChildProcess;
  /** everything the process wrote to stdout and stderr so far */
  output(): string;
  /** sends the signal (SIGTERM by default) and resolves with the exit code once the process has exited */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnServiceOptions {
  /** the compiled entry point, e.g. `dist/main.js` */
  entry: string;
  port: number;
  /** the child's whole environment (nothing is inherited that is not in it); PORT is set from `port` */
  env: NodeJS.ProcessEnv;
  /** how long the service may take to become healthy (default 60 s) */
  timeoutMs?: number;
  /** also copy the child's stderr to this process's stderr (benchmarks) */
  echoStderr?: boolean;
  /** Node's own flags before the entry (e.g. `--cpu-prof`, which NODE_OPTIONS does not accept) */
  nodeArgs?: string[];
}

/** Polls `<url>/api/health` until it answers 200; fails at once when the process exits, or after `timeoutMs`. */
export async function waitUntilHealthy(url: string, child: ChildProcess, timeoutMs: number, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`service exited (${child.exitCode ?? child.signalCode}) before it was healthy: ${output()}`);
    const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (res) => res.ok,
      () => false, // not listening yet
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`service did not become healthy in ${Math.round(timeoutMs / 1000)} s: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Spawns `node <entry>` on 127.0.0.1:<port> and resolves once it is healthy (a failed start kills it). */
export async function spawnService(options: SpawnServiceOptions): Promise<SpawnedService> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry], {
    env: { HOST: '127.0.0.1', ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // the last 256 KiB is plenty for an error message, and a long benchmark does not grow it without bound
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-262_144));
  child.stdout.on('data', keep);
  child.stderr.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (options.echoStderr) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilHealthy(url, child, options.timeoutMs ?? 60_000, () => output);
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  return { url, process: child, output: () => output, stop };
}
