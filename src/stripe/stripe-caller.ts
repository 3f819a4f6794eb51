import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';

/** Who the Stripe calls made in this async context are made for: a signed-in user, or nobody in particular (webhooks, jobs, admins). */
const caller = new AsyncLocalStorage<string>();

/** The key the per-user share of the Stripe concurrency cap counts against, or undefined outside a user's request. */
export function currentStripeCaller(): string | undefined {
  return caller.getStore();
}

/** Runs `work` with its Stripe calls counted against `key` (tests and jobs acting for one user). */
export function runAsStripeCaller<T>(key: string, work: () => T): T {
  return caller.run(key, work);
}

/**
 * Global: a signed-in user's request runs with that user as the Stripe caller, so STRIPE_MAX_CONCURRENCY_PER_USER can
 * keep one user from taking every slot of STRIPE_MAX_CONCURRENCY. Admins and anonymous routes (the webhook, whose
 * caller is Stripe) are not counted per caller. The handler is subscribed inside the context, so every promise it
 * makes inherits it.
 */
@Injectable()
export class StripeCallerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const user = context.switchToHttp().getRequest<Request & { user?: { id?: string; role?: string } }>().user;
    if (!user?.id || user.role === 'admin') return next.handle();
    const key = `user:${user.id}`;
    return new Observable((subscriber) => caller.run(key, () => next.handle().subscribe(subscriber)));
  }
}
