import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { MetricsService } from '../observability/metrics.service.js';
import { STRIPE_API_VERSION } from '../stripe/stripe.client.js';

/** Stripe's API version format (`2026-10-28.endive`); anything else is counted as `other`, never as a label of its own. */
const VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
/** At most one warning per version in this window: a misconfigured endpoint sends every event at that version. */
const WARN_EVERY_MS = 10 * 60_000;

/**
 * A snapshot event is rendered at its webhook endpoint's API version (or the account's default), which need not be
 * the version the SDK pins: the handlers read objects in the pinned shape, so a difference is counted
 * (`stripe_webhook_api_version_mismatch_total`) and logged. The event is still applied: its fields may have moved,
 * and the fix is the endpoint's version, not dropping payments. Thin events are unversioned and carry none.
 */
@Injectable()
export class ApiVersionWatch {
  private readonly logger = new Logger('Webhooks');
  private readonly lastWarned = new Map<string, number>();
  readonly pinned = STRIPE_API_VERSION;

  constructor(private readonly metrics: MetricsService) {}

  check(event: Stripe.Event): void {
    const version = event.api_version;
    if (!version || version === this.pinned) return;
    const label = typeof version === 'string' && VERSION.test(version) ? version : 'other';
    this.metrics.webhookApiVersionMismatch(label);
    const now = Date.now();
    const last = this.lastWarned.get(label);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    this.lastWarned.set(label, now);
    this.logger.warn({
      msg: 'stripe event api_version differs from the pinned one: set the webhook endpoint to the pinned version',
      eventId: event.id,
      type: event.type,
      apiVersion: label,
      pinned: this.pinned,
    });
  }
}
