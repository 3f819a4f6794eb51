import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import { Auth } from '../../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/http/api-errors.decorator.js';
import { RequiresFeature } from './requires-feature.guard.js';
import { TracksUsage } from './tracks-usage.interceptor.js';

export class SummaryRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 20000 })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  text!: string;
}

export class SummaryDto {
  @ApiProperty() summary!: string;
  @ApiProperty({ description: 'The ai_tokens this request used' }) tokens!: number;
}

export class ExportDto {
  @ApiProperty({ type: [String] }) rows!: string[];
}

/** About four characters per token, as the usual tokenizers count English. */
const tokensOf = (req: Request) => {
  const text = (req.body as { text?: unknown }).text;
  return Math.max(1, Math.ceil((typeof text === 'string' ? text.length : 0) / 4));
};

/**
 * What a module a team adds to this service looks like when it is gated and metered (USAGE_EXAMPLE_ROUTES=true
 * serves it; see docs/usage.md). Each route is one decorator more than an ordinary one.
 */
@ApiTags('examples')
@Controller('examples')
export class UsageExamplesController {
  @Post('summaries')
  @HttpCode(200)
  @Auth()
  @TracksUsage('ai_tokens', tokensOf)
  @ApiOperation({ operationId: 'exampleSummary', summary: 'Example: uses ai_tokens (one per four characters), checked before and recorded after' })
  @ApiOkResponse({ type: SummaryDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Unauthorized, ErrorCode.LimitExceeded)
  summarize(@Body() body: SummaryRequestDto): SummaryDto {
    return { summary: body.text.slice(0, 80), tokens: Math.max(1, Math.ceil(body.text.length / 4)) };
  }

  @Get('export')
  @RequiresFeature('export')
  @ApiOperation({ operationId: 'exampleExport', summary: 'Example: only for plans with the export feature' })
  @ApiOkResponse({ type: ExportDto })
  @ApiErrors(ErrorCode.Unauthorized, ErrorCode.FeatureRequired)
  export(): ExportDto {
    return { rows: ['id,feature,used'] };
  }
}
