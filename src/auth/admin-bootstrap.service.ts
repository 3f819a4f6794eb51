import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, ConfigError } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';
import { PasswordService } from './password.service.js';

/**
 * Ensures the admin account of ADMIN_EMAIL/ADMIN_PASSWORD exists, with that password and the admin role.
 *
 * It never turns an existing non-admin account into the admin unless ADMIN_PROMOTE_EXISTING=true: anyone can
 * register any email (there is no email verification), so an account that exists before the operator names
 * it may belong to someone else. Without the opt-in the start stops with one line naming the variable.
 * A role or password change bumps the user's token version and revokes their refresh tokens (a trigger on
 * `users`), so tokens issued before it — including a leaked admin password's sessions — stop working.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin) return;
    const existing = await this.users.findByEmailWithPassword(admin.email);
    if (!existing) {
      const passwordHash = await this.passwords.hash(admin.password);
      if (await this.users.create({ email: admin.email, passwordHash, role: 'admin', name: 'Administrator' })) {
        this.logger.log(`Admin account ${admin.email} created from ADMIN_EMAIL/ADMIN_PASSWORD`);
        return;
      }
      // another instance created it meanwhile: check it like an existing one
      return this.onApplicationBootstrap();
    }
    if (existing.role !== 'admin' && !this.config.auth.adminPromoteExisting) {
      throw new ConfigError(
        `Invalid configuration: ADMIN_EMAIL ${existing.email} is an existing non-admin account; set ADMIN_PROMOTE_EXISTING=true to make it the admin (its sessions are signed out), or name another email`,
      );
    }
    const samePassword = await this.passwords.verify(existing.passwordHash, admin.password);
    if (existing.role === 'admin' && samePassword) return;
    await this.users.setRoleAndPassword(existing.id, 'admin', samePassword ? existing.passwordHash : await this.passwords.hash(admin.password));
    this.logger.log(
      existing.role === 'admin'
        ? `Admin account ${existing.email}: password reset from ADMIN_PASSWORD; its earlier sessions are signed out`
        : `Existing account ${existing.email} promoted to admin (ADMIN_PROMOTE_EXISTING=true); its earlier sessions are signed out`,
    );
  }
}
