import { field, money, orDash, when } from '../format.js';
import { href } from '../router.js';
import { api, call, errorMessage } from '../session.js';
import { Fields, ReasonForm, Status, Table } from '../ui.js';
import { useLoad } from '../use-load.js';

/** One session: its user, amounts, refunds, disputes, fulfilment, the timeline of Stripe events, and sync and link. */
export function SessionPage({ id }: { id: string }) {
  const session = useLoad(() => api.GET('/api/admin/checkout-sessions/{id}', { params: { path: { id } } }), id);
  const s = session.data;
  return (
    <section aria-labelledby="session-title">
      <p>
        <a href="#/sessions">← Sessions</a>
      </p>
      <h1 id="session-title">Session {s?.stripeSessionId ?? id}</h1>
      <Status loading={session.loading} error={session.error} />
      {s && (
        <>
          <Fields
            rows={[
              ['User', s.userId ? <a href={href(`users/${s.userId}`)}>{s.userEmail ?? s.userId}</a> : s.unmatched ? 'unmatched (no user)' : '—'],
              ['Email Stripe collected', orDash(s.customerEmail)],
              ['Plan', [s.plan, s.interval].filter(Boolean).join(' / ') || '—'],
              ['Mode', s.mode],
              ['Status', `${s.status} · ${s.paymentStatus}`],
              [
                'Amount',
                `${money(s.amountTotal, s.currency)} (subtotal ${money(s.amountSubtotal, s.currency)}, discount ${money(s.amountDiscount, s.currency)}, tax ${money(s.amountTax, s.currency)})`,
              ],
              ['Refunded', s.amountRefunded ? `${money(s.amountRefunded, s.currency)} at ${when(s.refundedAt)}` : 'nothing'],
              ['Fulfilled', s.fulfilledAt ? when(s.fulfilledAt) : 'not yet'],
              ['Payment failed', when(s.paymentFailedAt)],
              ['Linked', s.linkedAt ? `${when(s.linkedAt)} by ${orDash(s.linkedBy)}: ${orDash(s.linkReason)}` : '—'],
              ['Stripe ids', [s.stripeCustomerId, s.stripeSubscriptionId, s.stripePaymentIntentId].filter(Boolean).join(' · ') || '—'],
              ['Created', when(s.createdAt)],
            ]}
          />
          <h2>Fulfilment</h2>
          <Table
            caption="How and when it was granted"
            head={['When', 'Source', 'Event']}
            rows={s.fulfillments.map((f) => [when(f.at), f.source, orDash(f.eventId)])}
            empty="Not fulfilled."
          />
          <h2>Disputes</h2>
          <Table
            caption="Disputes of this payment"
            head={['Dispute', 'Status', 'Reason', 'Amount', 'Evidence due']}
            rows={s.disputes.map((d) => [d.id, d.status, orDash(d.reason), money(d.amount, d.currency), when(d.evidenceDueBy)])}
            empty="No disputes."
          />
          <h2>Timeline</h2>
          <Table
            caption="Stripe events about this session, its subscription and its payment"
            head={['Stripe created', 'Event', 'Type', 'Status', 'Attempts', 'Received']}
            rows={s.timeline.map((e) => [when(e.stripeCreatedAt), <a href={href(`events/${e.id}`)}>{e.id}</a>, e.type, e.status, e.attempts, when(e.receivedAt)])}
            empty="No events received for this session."
          />
          <h2>Repair</h2>
          <div class="actions">
            <ReasonForm
              id="sync"
              label="Sync from Stripe"
              needsReason={false}
              onSubmit={async () => {
                const { error } = await call(() => api.POST('/api/admin/checkout-sessions/{id}/sync', { params: { path: { id: s.id } } }));
                if (error) return errorMessage(error);
                session.reload();
                return null;
              }}
            >
              <p class="muted">Reads the session from Stripe and applies it as a webhook would.</p>
            </ReasonForm>
            <ReasonForm
              id="link"
              label="Link to user"
              onSubmit={async (reason, form) => {
                const userId = field(new FormData(form), 'userId');
                const { error } = await call(() => api.POST('/api/admin/checkout-sessions/{id}/link', { params: { path: { id: s.id } }, body: { userId, reason } }));
                if (error) return errorMessage(error);
                session.reload();
                return null;
              }}
            >
              <label>
                User id
                <input name="userId" required defaultValue={s.userId ?? ''} />
              </label>
            </ReasonForm>
          </div>
        </>
      )}
    </section>
  );
}
