import { Injectable, OnModuleInit, SetMetadata, type Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import type { PreparedStatement } from '../database/pipelined-transactions.js';
import type { FulfillmentSource } from '../entitlements/entities/fulfillment.entity.js';
import type { EventPrefetch } from '../entitlements/event-prefetch.service.js';

const STRIPE_EVENT_TYPES = 'stripe:event-types';

/** What every event handler receives: the transaction's manager and where the event came from. */
export interface HandlerContext {
  manager: EntityManager;
  source: FulfillmentSource;
  eventId: string;
  eventCreated: Date;
  /** work to run once the event's transaction has committed (a Stripe read, never inside the transaction) */
  afterCommit: Array<() => Promise<void>>;
  /** what was read from Stripe for the event before its transaction (see EventPrefetchService) */
  prefetch?: EventPrefetch;
}

/** Marks a provider as the handler of these Stripe event types. */
export const OnStripeEvent = (...types: Stripe.Event['type'][]) => SetMetadata(STRIPE_EVENT_TYPES, types);

/**
 * What a handler of several events in one transaction receives (each event's id and time are its own). It has no
 * `afterCommit`: work after the commit could fail for one event of the group and not the others, so a handler that
 * needs it has no `handleMany` and gets one transaction per event.
 */
export type GroupContext = Omit<HandlerContext, 'eventId' | 'eventCreated' | 'afterCommit' | 'prefetch'>;

/** A handler's statement for a group, and what to do with its rows once the transaction has committed. */
export interface GroupStatement {
  statement: PreparedStatement;
  settle: (rows: unknown[]) => void;
}

export interface StripeEventHandler {
  /** Runs inside the event's transaction; use only `ctx.manager`. */
  handle(event: Stripe.Event, ctx: HandlerContext): Promise<void>;
  /**
   * Several events of its types, about different objects, in one transaction (a group commit): the same effect as
   * `handle` for each new one in turn. It is sent together with the inbox statement, before its answer, so its first
   * statement must leave out the events whose inbox row this transaction has not written (duplicates), and must not
   * wait for anything else. Handlers without it get one transaction per event.
   */
  handleMany?(events: Stripe.Event[], ctx: GroupContext): Promise<void>;
  /**
   * `handleMany` as one statement, sent with the inbox statement and `COMMIT` in one round trip (nothing is decided
   * between them). When an event needs more than that statement, the statement fails with SQLSTATE `APPLIER_NEEDED`
   * and the group is applied again through `handleMany`.
   */
  groupStatement?(events: Stripe.Event[], source: GroupContext['source']): GroupStatement;
}

/** Maps each event type to its handler, collected at start from the providers marked with @OnStripeEvent. */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, StripeEventHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || !wrapper.instance) continue;
      const types = this.reflector.get<string[] | undefined>(STRIPE_EVENT_TYPES, wrapper.metatype as Type);
      for (const type of types ?? []) {
        if (this.handlers.has(type)) throw new Error(`Two handlers for Stripe event ${type}`);
        this.handlers.set(type, wrapper.instance as StripeEventHandler);
      }
    }
  }

  get(type: string): StripeEventHandler | undefined {
    return this.handlers.get(type);
  }

  /** Every handled type, e.g. to ask Stripe's Events API for them. */
  types(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
