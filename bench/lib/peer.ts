import { spawnService } from '../../scripts/lib/service-process.js';
import { processUsage, type BenchService } from './service.js';

/** Starts the peer (bench/lib/peer-server.ts, compiled) on its own database and waits until it answers. */
export async function startPeer(env: { DATABASE_URL: string; STRIPE_WEBHOOK_SECRET: string; POOL_SIZE: string }, port: number): Promise<BenchService> {
  const peer = await spawnService({ entry: 'dist/bench/lib/peer-server.js', port, timeoutMs: 60_000, echoStderr: true, env: { PATH: process.env.PATH, ...env } });
  return { url: peer.url, pid: peer.process.pid!, ...processUsage(peer.process.pid!), stop: async () => void (await peer.stop()) };
}
