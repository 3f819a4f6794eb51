import type { ValidationError } from 'class-validator';
import { AppError } from './app-error.js';

/** Flattens class-validator errors into `{ "a.b": ["must be …"] }` and a one-line message. */
export function validationFailed(errors: ValidationError[]): AppError {
  const fields: Record<string, string[]> = {};
  const messages: string[] = [];
  const walk = (list: ValidationError[], prefix: string) => {
    for (const error of list) {
      const path = prefix ? `${prefix}.${error.property}` : error.property;
      for (const text of Object.values(error.constraints ?? {})) {
        // class-validator prefixes messages with the property name; the field key already says it.
        const short = text.startsWith(`${error.property} `) ? text.slice(error.property.length + 1) : text;
        (fields[path] ??= []).push(short);
        messages.push(`${path} ${short}`);
      }
      if (error.children?.length) walk(error.children, path);
    }
  };
  walk(errors, '');
  return AppError.validation(messages[0] ?? 'Invalid input', fields);
}
