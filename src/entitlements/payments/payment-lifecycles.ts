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

/** Stripe's refund statuses: pending or requires_action, then succeeded, failed or canceled. */
export const REFUND = lifecycle({ pending: 0, requires_action: 0, succeeded: 1, failed: 1, canceled: 1 }, ['succeeded', 'failed', 'canceled']);

/** A dispute: needs_response → under_review → won or lost; an inquiry: warning_needs_response → warning_under_review → warning_closed. */
export const DISPUTE = lifecycle({ warning_needs_response: 0, needs_response: 0, warning_under_review: 1, under_review: 1, warning_closed: 2, won: 2, lost: 2, prevented: 2 }, [
  'warning_closed',
  'won',
  'lost',
  'prevented',
]);

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

/** A dispute that is not closed: access to what it disputes is suspended while it lasts (DISPUTE_SUSPENDS_GRANT). */
export const OPEN_DISPUTE_STATUSES = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review'];
