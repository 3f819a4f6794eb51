import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';

export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'getHealth',
    summary: 'Readiness: the process and the database answer',
    description: 'For load balancers and orchestrators: 200 when PostgreSQL answers `SELECT 1`, else 503 with Retry-After.',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  async health(): Promise<HealthDto> {
    try {
      await this.db.query('SELECT 1');
    } catch {
      throw new AppError(ErrorCode.ServiceUnavailable, 'The database does not answer', undefined, 5);
    }
    return { status: 'ok' };
  }

  @Get('live')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'Liveness: the process answers',
    description: 'Does not touch the database, so an orchestrator restarts the process only when it is stuck, not when PostgreSQL is away (use /api/health for readiness).',
  })
  @ApiOkResponse({ type: HealthDto })
  live(): HealthDto {
    return { status: 'ok' };
  }
}
