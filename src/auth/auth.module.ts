import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { RefreshToken } from './entities/refresh-token.entity.js';
import { JwtAuthGuard } from './guards/jwt-auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { PasswordService } from './password.service.js';
import { TokensService } from './tokens.service.js';

@Module({
  imports: [JwtModule.register({}), TypeOrmModule.forFeature([RefreshToken]), UsersModule, EntitlementsModule],
  controllers: [AuthController],
  providers: [AuthService, TokensService, PasswordService, JwtAuthGuard, RolesGuard, AdminBootstrapService],
  // other modules use @Auth(), whose guards need TokensService; retention uses TokensService.purgeStale
  exports: [TokensService, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
