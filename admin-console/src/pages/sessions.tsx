import type { operations } from '../../../openapi/client/index.js';
import { field, money, when } from '../format.js';
import { href, navigate, type Route } from '../router.js';
import { api } from '../session.js';
import { Pager, Status, Table } from '../ui.js';
import { Filters, type FilterField } from '../filters.js';
import { useLoad } from '../use-load.js';

type SessionQuery = NonNullable<operations['listAdminCheckoutSessions']['parameters']['query']>;

const FIELDS: Array<FilterField & { name: keyof SessionQuery }> = [
  { name: 'status', label: 'Status', options: ['open', 'complete', 'expired'] },
  { name: 'paymentStatus', label: 'Payment status', options: ['paid', 'unpaid', 'no_payment_required'] },
  { name: 'mode', label: 'Mode', options: ['payment', 'subscription', 'setup'] },
  { name: 'unmatched', label: 'Unmatched', options: ['true', 'false'] },
  { name: 'disputed', label: 'Disputed', options: ['true', 'false'] },
  { name: 'unmapped', label: 'Unmapped price', options: ['true', 'false'] },
  { name: 'email', label: 'Email', type: 'email', placeholder: 'ada@example.com' },
  { name: 'userId', label: 'User id', type: 'text' },
  { name: 'priceId', label: 'Price id', type: 'text', placeholder: 'price_…' },
  { name: 'from', label: 'Created from', type: 'date' },
  { name: 'to', label: 'Created before', type: 'date' },
];
const FILTERS = FIELDS.map((f) => f.name);

/** Every filter of GET /api/admin/checkout-sessions, kept in the page's hash so a filtered list can be shared. */
export function SessionsPage({ route }: { route: Route }) {
  const query = Object.fromEntries(FILTERS.map((name) => [name, route.query.get(name) ?? undefined]).filter(([, v]) => v)) as Record<string, string>;
  const cursor = route.query.get('cursor') ?? undefined;
  const list = useLoad(() => api.GET('/api/admin/checkout-sessions', { params: { query: { ...(query as SessionQuery), cursor, limit: 25 } } }), route.query.toString());

  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Checkout sessions</h1>
      <form
        class="stripe-id"
        onSubmit={(e) => {
          e.preventDefault();
          const id = field(new FormData(e.currentTarget), 'stripeId');
          if (id) navigate(`sessions/${encodeURIComponent(id)}`);
        }}
      >
        <label>
          Stripe session id or our id
          <input name="stripeId" type="search" placeholder="cs_test_…" pattern="cs_[A-Za-z0-9_]+|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}" />
        </label>
        <button type="submit">Open</button>
      </form>
      <Filters key={route.query.toString()} page="sessions" label="Filters" fields={FIELDS} query={query} />
      <Status loading={list.loading} error={list.error} />
      {list.data && (
        <>
          <Table
            caption="Sessions, newest first"
            head={['Created', 'Stripe id', 'Email', 'Plan', 'Status', 'Payment', 'Amount', 'Fulfilled']}
            rows={list.data.items.map((s) => [
              when(s.createdAt),
              <a href={href(`sessions/${s.id}`)}>{s.stripeSessionId}</a>,
              s.userEmail ?? s.customerEmail ?? (s.unmatched ? 'unmatched' : '—'),
              [s.plan, s.interval].filter(Boolean).join(' / ') || '—',
              s.status,
              s.paymentStatus + (s.disputes.length ? ' · disputed' : '') + (s.amountRefunded ? ' · refunded' : ''),
              money(s.amountTotal, s.currency),
              when(s.fulfilledAt),
            ])}
            empty="No session matches these filters."
          />
          <Pager next={list.data.nextCursor} atFirst={!cursor} onFirst={() => navigate('sessions', query)} onNext={(next) => navigate('sessions', { ...query, cursor: next })} />
        </>
      )}
    </section>
  );
}
