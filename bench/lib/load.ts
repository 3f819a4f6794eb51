import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** run for this long, or send `amount` requests */
  seconds?: number;
  amount?: number;
  /** builds each request; called once per request sent */
  next: () => { method: string; path: string; headers?: Record<string, string>; body?: string };
}

/** Drives one workload for a fixed time with keep-alive connections and reports rate and latency percentiles. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    requests: [
      {
        setupRequest: (req) => {
          const r = options.next();
          return { ...req, method: r.method, path: r.path, headers: { ...(req.headers ?? {}), ...(r.headers ?? {}) }, body: r.body };
        },
      },
    ],
  });
  const total = result.requests.total;
  return {
    requests: total,
    perSecond: Math.round((total / result.duration) * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
