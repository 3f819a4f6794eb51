import { Injectable, ValidationPipe, type PipeTransform } from '@nestjs/common';
import { AppError } from '../errors/app-error.js';
import { validationFailed } from '../errors/validation-errors.js';

/** The global pipe: DTO classes are the only accepted shapes, unknown fields are refused. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(errors),
  });
}

const MAX_DEPTH = 32;

/** Walks the input without recursion (a hostile body can nest thousands of levels deep). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function inspect(value: unknown): { tooDeep: boolean; nulAt: string | null; forbiddenKey: string | null } {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return { tooDeep: false, nulAt: item.path || 'value', forbiddenKey: null };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_DEPTH) return { tooDeep: true, nulAt: null, forbiddenKey: null };
    for (const [key, child] of Object.entries(item.value)) {
      if (FORBIDDEN_KEYS.has(key)) return { tooDeep: false, nulAt: null, forbiddenKey: key };
      stack.push({ value: child, path: item.path ? `${item.path}.${key}` : key, depth: item.depth + 1 });
    }
  }
  return { tooDeep: false, nulAt: null, forbiddenKey: null };
}

/**
 * Refuses input no DTO can mean before it reaches class-transformer and PostgreSQL: nesting deeper than
 * 32 levels (which would exhaust the stack), prototype keys, and NUL characters (which PostgreSQL text cannot hold).
 */
@Injectable()
export class InputSafetyPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const { tooDeep, nulAt, forbiddenKey } = inspect(value);
    if (forbiddenKey) throw AppError.validation(`property ${forbiddenKey} should not exist`, { [forbiddenKey]: ['should not exist'] });
    if (tooDeep) throw AppError.validation(`Input is nested more than ${MAX_DEPTH} levels deep`);
    if (nulAt) throw AppError.validation(`${nulAt} must not contain a NUL character`, { [nulAt]: ['must not contain a NUL character'] });
    return value;
  }
}
