import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService } from '../../scripts/lib/service-process.js';

export interface ProcessUsage {
  /** peak resident set size of the process so far, in MiB (VmHWM) */
  peakRssMiB(): number;
  /** resident set size now, in MiB (VmRSS) */
  rssMiB(): number;
  /** CPU time the process has used so far (user + system), in milliseconds */
  cpuMs(): number;
}

export interface BenchService extends ProcessUsage {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The compiled service under the benchmark, with what it can say about its heap. */
export interface BenchedService extends BenchService {
  /**
   * The V8 heap still in use after a full garbage collection, in MiB: a heap snapshot (`--heapsnapshot-signal`,
   * written to a temporary folder and deleted) collects everything unreachable first, so growth here is memory kept.
   */
  heapAfterFullGcMiB(): Promise<number>;
}

/** What /proc says about one process: memory and CPU time. */
export function processUsage(pid: number): ProcessUsage {
  const status = (field: string) => {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : NaN;
  };
  return {
    peakRssMiB: () => status('VmHWM'),
    rssMiB: () => status('VmRSS'),
    cpuMs: () => {
      // fields 14 and 15 of /proc/<pid>/stat (after the command in parentheses): utime, stime in clock ticks (100/s)
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
  };
}

const METRICS_TOKEN = 'bench-metrics-token-0123456789';

/** The service's own V8 heap in use, in MiB, from its /metrics (prom-client's `nodejs_heap_size_used_bytes`). */
export async function heapUsedMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
  return match ? Math.round(Number(match[1]) / 2 ** 20) : NaN;
}

/** Spawns the compiled service (`node dist/main.js`) in production mode and waits until it is healthy. */
export async function startService(env: Record<string, string>, port: number, timeoutMs = 60_000): Promise<BenchedService> {
  const snapshots = mkdtempSync(join(tmpdir(), 'bench-heap-'));
  const service = await spawnService({
    entry: 'dist/main.js',
    port,
    timeoutMs,
    echoStderr: true,
    // BENCH_CPU_PROF=<dir>: the service writes a V8 CPU profile there when it stops (open it in Chrome's DevTools)
    nodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
    // production needs METRICS_TOKEN; every workload comes from one IP, far over the per-IP throttles
    env: {
      METRICS_TOKEN,
      REGISTER_RATE_LIMIT_PER_IP: '1000000',
      REFRESH_RATE_LIMIT_PER_IP: '1000000',
      BILLING_RATE_LIMIT_PER_USER: '1000000',
      ...process.env,
      ...env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshots}`,
    },
  });
  const pid = service.process.pid!;
  return {
    url: service.url,
    pid,
    ...processUsage(pid),
    heapAfterFullGcMiB: async () => {
      process.kill(pid, 'SIGUSR2');
      // the process answers again once the snapshot is written
      const deadline = Date.now() + 120_000;
      while (!readdirSync(snapshots).some((f) => f.endsWith('.heapsnapshot')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const heap = await heapUsedMiB(service.url);
      for (const file of readdirSync(snapshots)) rmSync(join(snapshots, file), { force: true });
      return heap;
    },
    stop: async () => {
      await service.stop();
      rmSync(snapshots, { recursive: true, force: true });
    },
  };
}
