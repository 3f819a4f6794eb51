import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express } from 'express';
import { AppConfig } from '../config/app-config.js';
import { adminConsoleRouter } from './admin-console.router.js';

/** Where the console is served: same origin as the API, outside its /api prefix. */
export const ADMIN_CONSOLE_PATH = '/admin';

/**
 * The admin console (the single-page app in admin-console/, built by `npm run build`) at /admin. It is static files
 * only: every piece of data comes from the /api/admin routes with the signed-in admin's token. With
 * ADMIN_CONSOLE_ENABLED=false nothing is mounted and /admin is Express's plain 404.
 */
@Module({})
export class AdminConsoleModule implements OnModuleInit {
  private readonly logger = new Logger('AdminConsole');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  // onModuleInit runs after Nest registered its routes and before its 404 handler (which covers /api only)
  onModuleInit(): void {
    const { enabled, dir } = this.config.adminConsole;
    const adapter = this.adapterHost.httpAdapter;
    // `npm run openapi` builds the app without an HTTP server
    if (!enabled || !adapter) return;
    adapter.getInstance<Express>().use(ADMIN_CONSOLE_PATH, adminConsoleRouter(dir));
    this.logger.log(`admin console at ${ADMIN_CONSOLE_PATH} from ${dir}`);
  }
}
