/**
 * What a Stripe subscription status means for access, and how its states are ordered. Stripe's reference
 * (Subscription object, `status`): `trialing` and `active` are in good standing; `past_due` is Stripe retrying
 * a failed renewal; `paused` is a trial that ended without a payment method (no invoices are made while paused);
 * `incomplete` waits for the first payment; `incomplete_expired` and `canceled` end it for good. `unpaid` denies access
 * but has not ended: its latest invoice stays open, and paying it makes the subscription `active` again (Stripe:
 * "How subscriptions work", unpaid), so it still counts as the customer's subscription.
 */

/** Statuses from which Stripe never moves a subscription again. */
const TERMINAL = new Set(['canceled', 'incomplete_expired']);

/** Statuses that give the subscribed plan; `past_due` only while configured so (SUBSCRIPTION_PAST_DUE_GRANTS). */
export function grantingStatuses(pastDueGrants: boolean): string[] {
  return pastDueGrants ? ['active', 'trialing', 'past_due'] : ['active', 'trialing'];
}

export function statusGrants(status: string, pastDueGrants: boolean): boolean {
  return grantingStatuses(pastDueGrants).includes(status);
}

/**
 * Statuses of a subscription that is over for the customer (a new one may be bought; it is not the current one).
 * Not `unpaid`: Stripe reactivates it when its open invoice is paid, so a second subscription would bill twice.
 */
export const ENDED_STATUSES: readonly string[] = [...TERMINAL];

/** Statuses whose open invoice is what the customer must settle (pay it, or cancel), never a second subscription. */
export const AWAITING_PAYMENT_STATUSES: readonly string[] = ['past_due', 'unpaid'];

export const isEndedStatus = (status: string | null | undefined): boolean => ENDED_STATUSES.includes(status ?? '');

export const isTerminalStatus = (status: string | null | undefined): boolean => TERMINAL.has(status ?? '');

/**
 * The lifecycle stage of a status, used only to break same-second ties (Stripe's `created` has whole seconds):
 * a subscription is first incomplete, then trialing, then in service (active, past_due, paused), then unpaid,
 * then ended. Within one stage the later delivery wins.
 */
export function lifecycleStage(status: string | null | undefined): number {
  switch (status) {
    case 'incomplete':
      return 0;
    case 'trialing':
      return 1;
    case 'active':
    case 'past_due':
    case 'paused':
      return 2;
    case 'unpaid':
      return 3;
    case 'canceled':
    case 'incomplete_expired':
      return 4;
    default:
      return 2;
  }
}

export interface SubscriptionState {
  /**
   * When Stripe was in this state: an event's `created` (whole seconds), or the moment just before an API read
   * (milliseconds); null for a provisional state (from a paid session, before any subscription event).
   */
  at: Date | null;
  status: string;
}

export interface Ordering {
  replace: boolean;
  /** the order could not be proven: read the subscription from Stripe (after the transaction) to be sure */
  ambiguous: boolean;
}

const second = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Whether an incoming state replaces the stored one. A provisional state (from a paid session) stands for the
 * moment the first invoice was paid, so its place is after `incomplete` and before every later event: it replaces
 * only an `incomplete` state, and an `incomplete` state (the late `customer.subscription.created` of Checkout, which
 * creates the subscription before it is paid) never replaces it. An ended subscription never comes back; otherwise
 * the newer state wins. Stripe's `created` has whole seconds, so
 * within one second the later lifecycle stage wins (a late `created` with `incomplete` or `trialing` never
 * undoes an `updated` with `active`), then the state whose `previous_attributes.status` is the stored status.
 * What is still undecided is applied and flagged ambiguous, and the caller reads the subscription from Stripe.
 */
export function orderStates(incoming: SubscriptionState & { previousStatus?: string | null }, current: SubscriptionState | null): Ordering {
  const yes = { replace: true, ambiguous: false };
  const no = { replace: false, ambiguous: false };
  if (!current) return yes;
  if (incoming.at === null) return current.status === 'incomplete' && lifecycleStage(incoming.status) > lifecycleStage('incomplete') ? yes : no;
  if (isTerminalStatus(current.status) && incoming.status !== current.status) return no;
  if (current.at === null) return incoming.status === 'incomplete' ? no : yes;
  if (second(incoming.at) !== second(current.at)) return incoming.at > current.at ? yes : no;
  const stage = lifecycleStage(incoming.status) - lifecycleStage(current.status);
  if (stage !== 0) return stage > 0 ? yes : no;
  if (incoming.previousStatus && incoming.status !== current.status) return incoming.previousStatus === current.status ? yes : no;
  // an API read (milliseconds) and an event of the same second, or two events of the same second
  return { replace: incoming.at >= current.at, ambiguous: true };
}
