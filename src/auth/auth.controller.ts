import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { AuthService } from './auth.service.js';
import { Auth, CurrentUser } from './decorators/auth.decorator.js';
import { LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import { AuthResponseDto, MeDto } from './dto/auth-response.dto.js';
import type { AuthenticatedUser } from './guards/jwt-auth.guard.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ operationId: 'register', summary: 'Create an account', description: 'Emails are unique case-insensitively. Answers a signed-in session.' })
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ErrorCode.PayloadTooLarge)
  @RateLimit(({ auth }) => ({
    name: 'register',
    limits: { ip: auth.registerLimitPerIp },
    windowSeconds: auth.rateLimitWindowSeconds,
    count: 'requests',
    message: 'Too many sign-ups from this address, try again later',
  }))
  register(@Body() body: RegisterDto): Promise<AuthResponseDto> {
    return this.auth.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in',
    description:
      'Failed attempts are counted per client IP and per email, across all instances (429 `rate_limited` with Retry-After); every attempt, successful or not, ' +
      'is also counted against looser limits (LOGIN_RATE_LIMIT_ALL_PER_IP, LOGIN_RATE_LIMIT_ALL_PER_EMAIL). A login beyond REFRESH_TOKENS_PER_USER live sessions revokes the oldest.',
  })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Unauthorized)
  // failures are counted tightly; every attempt too, looser, since each costs an argon2id hash and a refresh token
  @RateLimit(({ auth, limits }) => [
    {
      name: 'login',
      limits: { ip: auth.loginLimitPerIp, email: auth.loginLimitPerEmail },
      windowSeconds: auth.loginWindowSeconds,
      count: 'failures',
      message: 'Too many login attempts, try again later',
    },
    {
      name: 'login-all',
      limits: { ip: limits.loginAllPerIp, email: limits.loginAllPerEmail },
      windowSeconds: auth.loginWindowSeconds,
      count: 'requests',
      message: 'Too many logins, try again later',
    },
  ])
  login(@Body() body: LoginDto): Promise<AuthResponseDto> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Exchange a refresh token for a new pair',
    description: 'The presented token stops working. Presenting an already used token revokes every token of that login (401).',
  })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Unauthorized)
  @RateLimit(({ auth }) => ({
    name: 'refresh',
    limits: { ip: auth.refreshLimitPerIp },
    windowSeconds: auth.rateLimitWindowSeconds,
    count: 'failures',
    message: 'Too many failed refreshes from this address, try again later',
  }))
  refresh(@Body() body: RefreshDto): Promise<AuthResponseDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Auth()
  @ApiOperation({ operationId: 'logout', summary: 'Sign out', description: 'Revokes the refresh token and every token rotated from the same login.' })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiErrors(ErrorCode.ValidationError)
  logout(@Body() body: RefreshDto, @CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.auth.logout(body.refreshToken, user.id);
  }

  @Get('me')
  @Auth()
  @ApiOperation({
    operationId: 'getMe',
    summary: 'The signed-in user, with plan and subscription status',
    description: 'Read from the database on every call, so a purchase shows here as soon as it is confirmed or its webhook arrives.',
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<MeDto> {
    return this.auth.me(user.id);
  }
}
