import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { LoginDto, RegisterDto } from './dto/auth.dto.js';
import { UserDto } from './dto/auth-response.dto.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordService } from './password.service.js';
import { TokensService, type TokenPair } from './tokens.service.js';

export type AuthResult = TokenPair & { user: UserDto };

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokensService,
    private readonly throttle: LoginThrottleService,
  ) {}

  async register(input: RegisterDto): Promise<AuthResult> {
    const passwordHash = await this.passwords.hash(input.password);
    const user = await this.users.create({ email: input.email, passwordHash, name: input.name });
    if (!user) throw AppError.conflict('An account with this email already exists');
    return this.session(user);
  }

  async login(input: LoginDto, ip: string): Promise<AuthResult> {
    this.throttle.hit(ip, input.email);
    const user = await this.users.findByEmailWithPassword(input.email);
    const ok = await this.passwords.verify(user?.passwordHash ?? null, input.password);
    // one answer for an unknown email and a wrong password
    if (!user || !ok) throw AppError.unauthorized('Wrong email or password');
    return this.session(user);
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    const { userId, familyId } = await this.tokens.rotate(refreshToken);
    const user = await this.users.findById(userId);
    if (!user) throw AppError.unauthorized('Invalid refresh token');
    const pair = await this.tokens.issue(user, familyId);
    return { ...pair, user: UserDto.from(user) };
  }

  logout(refreshToken: string, userId: string): Promise<void> {
    return this.tokens.revoke(refreshToken, userId);
  }

  async me(userId: string): Promise<UserDto> {
    const user = await this.users.findById(userId);
    if (!user) throw AppError.unauthorized('This account no longer exists');
    return UserDto.from(user);
  }

  private async session(user: User): Promise<AuthResult> {
    const pair = await this.tokens.issue(user);
    return { ...pair, user: UserDto.from(user) };
  }
}
