import { readFileSync } from 'node:fs';
import { spawnService } from '../../scripts/lib/service-process.js';

export interface BenchService {
  url: string;
  pid: number;
  /** peak resident set size of the service process so far, in MiB (VmHWM) */
  peakRssMiB(): number;
  stop(): Promise<void>;
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
      METRICS_TOKEN: 'bench-metrics-token-0123456789',
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
    peakRssMiB: () => {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Math.round(Number(match[1]) / 1024) : NaN;
    },
    stop: async () => {
      await service.stop();
    },
  };
}
