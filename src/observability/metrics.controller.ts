import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Prometheus text format. When METRICS_TOKEN is set, send it as `Authorization: Bearer <token>`.',
  })
  @ApiHeader({ name: 'Authorization', required: false, description: '`Bearer <METRICS_TOKEN>` when that variable is set' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', example: 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/health",status="200"} 3' } } },
  })
  @ApiErrors(ErrorCode.Unauthorized)
  async scrape(@Res({ passthrough: true }) res: Response, @Headers('authorization') authorization?: string): Promise<string> {
    const token = this.config.http.metricsToken;
    if (token) {
      const given = Buffer.from(authorization ?? '');
      const expected = Buffer.from(`Bearer ${token}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw AppError.unauthorized('A valid metrics token is required');
    }
    // set here, not by @Header, so error answers keep their JSON type
    res.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
