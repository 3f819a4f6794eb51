import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppError } from '../errors/app-error.js';

/** A keyset position: the last row's (created time, id). Encoded opaque so clients never build one. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one cursor decoder of every list. A cursor we did not make is a 400 `validation_error`, never a 500:
 * its time must be one PostgreSQL can hold (JS dates reach far further), and on tables keyed by uuid
 * (`idKind: 'uuid'`, the default) its id must be a uuid, or the comparison would fail as a cast error.
 */
export function decodeCursor(cursor: string, idKind: 'uuid' | 'text' = 'uuid'): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const createdAt = new Date(parsed[0]);
      const year = createdAt.getUTCFullYear();
      const id = parsed[1];
      const idOk = idKind === 'uuid' ? UUID_PATTERN.test(id) : id.length > 0 && id.length <= 255 && !id.includes('\u0000');
      if (!Number.isNaN(createdAt.getTime()) && year >= 1900 && year <= 9999 && idOk) return { createdAt, id };
    }
  } catch {
    // fall through to the validation error
  }
  throw AppError.validation('cursor is malformed', { cursor: ['is malformed'] });
}

/** `?limit=&cursor=` shared by every list route. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, description: 'Page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from a previous page's `nextCursor`" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class PageDto<T> {
  items!: T[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only says whether another page exists.
 */
export function toPage<R extends { createdAt: Date; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(last) : null };
}
