import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

const ISO = { strict: true, strictSeparator: true };

/** `from` / `to` as ISO 8601 dates or date-times: a half-open range [from, to). */
export class DateRangeQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive lower bound (ISO 8601 date or date-time)', example: '2026-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601(ISO, { message: 'must be an ISO 8601 date' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive upper bound (ISO 8601 date or date-time)', example: '2026-02-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601(ISO, { message: 'must be an ISO 8601 date' })
  to?: string;
}
