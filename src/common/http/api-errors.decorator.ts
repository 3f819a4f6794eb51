import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from '../errors/error-code.js';
import { ErrorResponseDto } from '../errors/error-response.dto.js';

/** Documents the error answers a route can give, each with the shared error schema. */
export function ApiErrors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return applyDecorators(...[...byStatus].map(([status, list]) => ApiResponse({ status, type: ErrorResponseDto, description: list.map((c) => `\`${c}\``).join(' or ') })));
}
