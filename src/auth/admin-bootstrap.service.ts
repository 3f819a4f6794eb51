import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';
import { PasswordService } from './password.service.js';

/** Ensures the admin account of ADMIN_EMAIL/ADMIN_PASSWORD exists, with that password and the admin role. */
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
    if (existing) {
      if (existing.role !== 'admin' || !(await this.passwords.verify(existing.passwordHash, admin.password))) {
        await this.users.setRoleAndPassword(existing.id, 'admin', await this.passwords.hash(admin.password));
        this.logger.log(`Admin account ${existing.email} updated from ADMIN_EMAIL/ADMIN_PASSWORD`);
      }
      return;
    }
    const passwordHash = await this.passwords.hash(admin.password);
    if (await this.users.create({ email: admin.email, passwordHash, role: 'admin', name: 'Administrator' })) {
      this.logger.log(`Admin account ${admin.email} created from ADMIN_EMAIL/ADMIN_PASSWORD`);
    }
  }
}
