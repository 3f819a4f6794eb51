import { readFileSync } from 'node:fs';
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
export async function startService(env: Record<string, string>, port: number, timeoutMs = 60_000): Promise<BenchService> {
  const service = await spawnService({
    entry: 'dist/main.js',
    port,
    timeoutMs,
    echoStderr: true,
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
    },
  });
  const pid = service.process.pid!;
  return {
    url: service.url,
    pid,
    ...processUsage(pid),
    stop: async () => {
      await service.stop();
    },
  };
}
