import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Visible ASCII only: no homoglyphs, invisible or direction-changing characters (IDN domains go as punycode). */
const ASCII_EMAIL = /^[\x21-\x7E]+$/;

/** An email as every auth route accepts it: trimmed, valid, visible ASCII, at most 254 characters. */
const EmailField = () =>
  applyDecorators(
    ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 254 }),
    Transform(trim),
    IsEmail({}, { message: 'email must be an email' }),
    Matches(ASCII_EMAIL, { message: 'email must use visible ASCII characters only (write an international domain as punycode)' }),
    MaxLength(254),
  );

export class RegisterDto {
  @EmailField()
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, example: 'correct horse battery staple' })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password!: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'Ada Lovelace' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

export class LoginDto {
  @EmailField()
  email!: string;

  @ApiProperty({ maxLength: 128, example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from the last login or refresh', example: 'pX3n2c…' })
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  refreshToken!: string;
}
