import { DateRangeQueryDto } from './date-range.query.js';

/** `from`/`to` on the sessions' creation time; defaults to the last 30 days, at most 366 days. */
export class CheckoutSessionStatsQueryDto extends DateRangeQueryDto {}

/** `from`/`to` on when events were received; defaults to the last 60 minutes, at most 1,440 minutes. */
export class WebhookHealthQueryDto extends DateRangeQueryDto {}
