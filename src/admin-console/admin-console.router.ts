import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/**
 * The console's own policy, stricter than the API's (whose script-src allows Swagger UI's inline script): scripts and
 * styles from this origin only, no inline code, no eval, requests to this origin only, never framed.
 */
export const ADMIN_CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Serves the built console (index.html and Vite's hashed assets) under the mount path. Pages are hash routes
 * (/admin/#/sessions), so the server only answers index.html and files under assets/; anything else is a 404. A missing build answers 404 too, naming the command that builds it.
 */
export function adminConsoleRouter(dir: string): Router {
  const router = express.Router();
  router.use((_req: Request, res: Response, next: NextFunction) => {
    // replaces the header helmet set for the whole app
    res.setHeader('Content-Security-Policy', ADMIN_CONSOLE_CSP);
    next();
  });
  // file names carry a content hash: cached for good, never revalidated
  router.use('/assets', express.static(join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', redirect: false }));
  router.get(['/', '/index.html'], (req: Request, res: Response, next: NextFunction) => {
    const index = join(dir, 'index.html');
    if (!existsSync(index)) return notFound(req, res, `the admin console is not built (${dir}): run npm run build`);
    // always revalidated, so a new build's asset names are picked up at once
    res.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } }, (error?: Error) => {
      if (error) next(error);
    });
  });
  // Nest's JSON 404 covers /api only; the console's other paths answer in the contract's shape too
  router.use((req: Request, res: Response) => notFound(req, res, `no such page or file: ${req.originalUrl.split('?')[0]}`));
  return router;
}

function notFound(req: Request, res: Response, message: string): void {
  res.status(404).json({ error: 'not_found', message, requestId: (req as Request & { id?: string }).id ?? '' });
}
