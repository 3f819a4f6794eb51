import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { FeaturesService } from '../entitlements/features.service.js';
import { GrantsService } from '../entitlements/grants.service.js';
import { UsersService } from '../users/users.service.js';
import type { LoginDto, RegisterDto } from './dto/auth.dto.js';
import { UserDto, type MeDto } from './dto/auth-response.dto.js';
import { PasswordService } from './password.service.js';
import { TokensService, type TokenPair } from './tokens.service.js';

export type AuthResult = TokenPair & { user: UserDto };

/** Register, login, refresh and logout. Throttling is declared on the routes (`@RateLimit`, src/rate-limit). */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokensService,
    private readonly grants: GrantsService,
    private readonly features: FeaturesService,
  ) {}

  async register(input: RegisterDto): Promise<AuthResult> {
    const passwordHash = await this.passwords.hash(input.password);
    const user = await this.users.create({ email: input.email, passwordHash, name: input.name });
    if (!user) throw AppError.conflict('An account with this email already exists');
    return this.session(user.id);
  }

  async login(input: LoginDto): Promise<AuthResult> {
    const user = await this.users.findByEmailWithPassword(input.email);
    const ok = await this.passwords.verify(user?.passwordHash ?? null, input.password);
    // one answer for an unknown email and a wrong password
    if (!user || !ok) throw AppError.unauthorized('Wrong email or password');
    return this.session(user.id);
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    const { pair, user } = await this.tokens.rotate(refreshToken);
    return { ...pair, user: UserDto.from(user) };
  }

  logout(refreshToken: string, userId: string): Promise<void> {
    return this.tokens.revoke(refreshToken, userId);
  }

  async me(userId: string): Promise<MeDto> {
    // the cached plan, recomputed first when one of the user's grants has ended since it was written
    const user = await this.grants.freshUser(userId);
    if (!user) throw AppError.unauthorized('This account no longer exists');
    return { ...UserDto.from(user), features: await this.features.forUser(userId) };
  }

  private async session(userId: string): Promise<AuthResult> {
    const { pair, user } = await this.tokens.issue(userId);
    return { ...pair, user: UserDto.from(user) };
  }
}
