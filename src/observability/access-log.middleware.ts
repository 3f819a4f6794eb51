import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { MetricsService } from './metrics.service.js';

const logger = new Logger('HTTP');

/** The route pattern (`/api/billing/checkout-sessions/:id`), never the raw URL with its ids and query. */
function routeOf(req: Request): string {
  // Express types `req.route` as any: it is the matched Route, whose `path` is the pattern
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
}

/** One structured access-log line and one histogram observation per request, when the response is done. */
export function accessLog(metrics: MetricsService) {
  return (req: Request & { id?: string }, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      metrics.observeHttp(req.method, route, res.statusCode, seconds);
      if (route === '/metrics' || route === '/api/health') return;
      logger.log({ msg: 'request', requestId: req.id, method: req.method, route, status: res.statusCode, durationMs: Math.round(seconds * 10000) / 10 });
    });
    next();
  };
}
