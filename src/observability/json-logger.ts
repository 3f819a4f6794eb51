import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactKeys } from '../common/errors/all-exceptions.filter.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Nest's logger as one JSON line per entry (pino). Messages are passed through the key redactor, and
 * the service never logs request bodies, headers, tokens or signatures in the first place.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Logger;

  constructor(level: LogLevel = 'info', destination?: DestinationStream) {
    this.pino = pino(
      {
        level,
        base: { service: 'stripe-checkout-service' },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: ['*.authorization', '*.password', '*.refreshToken', '*.accessToken', '*["stripe-signature"]', '*.cookie'], censor: '[redacted]' },
      },
      destination,
    );
  }

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    // a stack is not logged: it can carry SQL and values; the message says what failed
    this.write('error', message, context ?? (trace && !trace.includes('\n') ? trace : undefined));
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, context?: string): void {
    // a line below the level costs a comparison, not the copy of its fields (two info lines per webhook)
    if (!this.pino.isLevelEnabled(level)) return;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.pino[level]({ context, ...(message as Record<string, unknown>) });
      return;
    }
    const text = message instanceof Error ? `${message.name}: ${message.message}` : String(message);
    this.pino[level]({ context }, redactKeys(text));
  }
}
