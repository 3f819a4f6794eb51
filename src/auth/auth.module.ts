import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { CredentialsCache } from './credentials-cache.js';
import { RefreshToken } from './entities/refresh-token.entity.js';
import { JwtAuthGuard } from './guards/jwt-auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { PasswordService } from './password.service.js';
import { TokensService } from './tokens.service.js';

@Module({
  imports: [
    // the secret as a key object, made once: given a string, jsonwebtoken first tries it as a public key (and throws) on every verify
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: createSecretKey(Buffer.from(config.auth.jwtSecret)),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    TypeOrmModule.forFeature([RefreshToken]),
    UsersModule,
    EntitlementsModule,
  ],
  controllers: [AuthController],
  providers: [AuthService, TokensService, CredentialsCache, PasswordService, JwtAuthGuard, RolesGuard, AdminBootstrapService],
  // other modules use @Auth(), whose guards need TokensService; retention uses TokensService.purgeStale
  exports: [TokensService, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
