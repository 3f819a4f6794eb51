/**
 * Orders the states of refunds, disputes and invoices like subscription states: the newer Stripe `created`
 * wins; within one second the later stage of the object's lifecycle wins; a final state is never left.
 */
export interface Lifecycle {
  stage(status: string): number;
  final(status: string): boolean;
}

const lifecycle = (stages: Record<string, number>, finals: string[]): Lifecycle => ({
  stage: (status) => stages[status] ?? 0,
  final: (status) => finals.includes(status),
});

/**
 * Stripe's refund statuses: pending or requires_action, then succeeded, failed or canceled. A succeeded refund can
 * still fail (the card or bank could not take it back: Stripe returns the money to the balance and sends
 * `refund.failed`), so only failed and canceled are final.
 */
export const REFUND = lifecycle({ pending: 0, requires_action: 0, succeeded: 1, failed: 2, canceled: 2 }, ['failed', 'canceled']);
/** Refund statuses whose money did not reach the customer: they count for nothing. */
export const UNDONE_REFUND_STATUSES = ['failed', 'canceled'];

/**
 * A dispute: needs_response → under_review → won or lost; a lost one can be appealed (appeal_needs_response →
 * appeal_under_review → won or lost again), so lost is not final. An inquiry: warning_needs_response →
 * warning_under_review → warning_closed. `prevented`: the chargeback never happened. Won, warning_closed and
 * prevented are final (statuses of the pinned API version, Stripe.Dispute.Status).
 */
export const DISPUTE = lifecycle(
  {
    warning_needs_response: 0,
    needs_response: 0,
    warning_under_review: 1,
    under_review: 1,
    lost: 2,
    appeal_needs_response: 3,
    appeal_under_review: 4,
    warning_closed: 5,
    won: 5,
    prevented: 5,
  },
  ['warning_closed', 'won', 'prevented'],
);

/** An invoice: draft → open → paid, void or uncollectible (an uncollectible invoice can still be paid). */
export const INVOICE = lifecycle({ draft: 0, open: 1, uncollectible: 2, paid: 3, void: 3 }, ['paid', 'void']);

export function isNewerState(lc: Lifecycle, incoming: { at: Date; status: string }, current: { at: Date | null; status: string } | null): boolean {
  if (!current) return true;
  if (lc.final(current.status) && incoming.status !== current.status) return false;
  if (!current.at) return true;
  const diff = incoming.at.getTime() - current.at.getTime();
  if (diff !== 0) return diff > 0;
  return lc.stage(incoming.status) >= lc.stage(current.status);
}

/**
 * A dispute that is not closed: access to what it disputes is suspended while it lasts (DISPUTE_SUSPENDS_GRANT). An
 * appeal of a lost dispute is open again: the grant stays suspended until the appeal is won or lost.
 */
export const OPEN_DISPUTE_STATUSES = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'appeal_needs_response', 'appeal_under_review'];
