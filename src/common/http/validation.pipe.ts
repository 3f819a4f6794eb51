import { ValidationPipe } from '@nestjs/common';
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
