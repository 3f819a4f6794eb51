import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AuthService } from './auth.service.js';
import { Auth, CurrentUser } from './decorators/auth.decorator.js';
import { LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import { AuthResponseDto, UserDto } from './dto/auth-response.dto.js';
import type { AuthenticatedUser } from './guards/jwt-auth.guard.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ operationId: 'register', summary: 'Create an account', description: 'Emails are unique case-insensitively. Answers a signed-in session.' })
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ErrorCode.PayloadTooLarge)
  register(@Body() body: RegisterDto): Promise<AuthResponseDto> {
    return this.auth.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ operationId: 'login', summary: 'Sign in', description: 'Throttled per client IP and per email (429 `rate_limited` with Retry-After).' })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Unauthorized, ErrorCode.RateLimited)
  login(@Body() body: LoginDto, @Req() req: Request): Promise<AuthResponseDto> {
    return this.auth.login(body, req.ip ?? 'unknown');
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
  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in user, with plan and subscription status', description: 'Read from the database on every call, so a purchase shows here as soon as it is confirmed or its webhook arrives.' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.auth.me(user.id);
  }
}
