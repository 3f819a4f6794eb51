import type { operations } from '../../../openapi/client/index.js';
import { field, orDash, when } from '../format.js';
import { href, navigate, type Route } from '../router.js';
import { api, call, errorMessage } from '../session.js';
import { Fields, Pager, ReasonForm, Status, Table } from '../ui.js';
import { Filters, type FilterField } from '../filters.js';
import { useLoad } from '../use-load.js';

type UserQuery = NonNullable<operations['listAdminUsers']['parameters']['query']>;
const FIELDS: Array<FilterField & { name: keyof UserQuery }> = [
  { name: 'email', label: 'Email contains', type: 'search' },
  { name: 'plan', label: 'Plan', placeholder: 'pro' },
  { name: 'subscriptionStatus', label: 'Subscription status', placeholder: 'active' },
];
const FILTERS = FIELDS.map((f) => f.name);

/** Users by email (a part of it), plan or subscription status. */
export function UsersPage({ route }: { route: Route }) {
  const query = Object.fromEntries(FILTERS.map((name) => [name, route.query.get(name) ?? undefined]).filter(([, v]) => v)) as Record<string, string>;
  const cursor = route.query.get('cursor') ?? undefined;
  const list = useLoad(() => api.GET('/api/admin/users', { params: { query: { ...(query as UserQuery), cursor, limit: 25 } } }), route.query.toString());
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <Filters key={route.query.toString()} page="users" label="Search users" fields={FIELDS} query={query} submit="Search" />
      <Status loading={list.loading} error={list.error} />
      {list.data && (
        <>
          <Table
            caption="Users"
            head={['Email', 'Name', 'Role', 'Plan', 'Subscription', 'Created']}
            rows={list.data.items.map((u) => [<a href={href(`users/${u.id}`)}>{u.email}</a>, orDash(u.name), u.role, u.plan, orDash(u.subscriptionStatus), when(u.createdAt)])}
            empty="No user matches."
          />
          <Pager next={list.data.nextCursor} atFirst={!cursor} onFirst={() => navigate('users', query)} onNext={(next) => navigate('users', { ...query, cursor: next })} />
        </>
      )}
    </section>
  );
}

/** One user: plan, subscriptions, grants (source, revocation), usage and credits; grant and revoke with a reason. */
export function UserPage({ id }: { id: string }) {
  const user = useLoad(() => api.GET('/api/admin/users/{id}', { params: { path: { id } } }), id);
  const usage = useLoad(() => api.GET('/api/admin/users/{id}/usage', { params: { path: { id } } }), id);
  const u = user.data;
  const reload = () => {
    user.reload();
    usage.reload();
  };
  return (
    <section aria-labelledby="user-title">
      <p>
        <a href="#/users">← Users</a>
      </p>
      <h1 id="user-title">{u?.email ?? 'User'}</h1>
      <Status loading={user.loading} error={user.error} />
      {u && (
        <>
          <Fields
            rows={[
              ['Plan', <strong id="user-plan">{u.plan}</strong>],
              ['Role', u.role],
              ['Subscription', `${orDash(u.subscriptionStatus)}${u.cancelAtPeriodEnd ? ' (cancels at period end)' : ''}; period ends ${when(u.currentPeriodEnd)}`],
              ['Stripe customer', orDash(u.stripeCustomerId)],
              ['Created', when(u.createdAt)],
            ]}
          />
          <h2>Grants</h2>
          <Table
            caption="What the user owns, and why"
            head={['Plan', 'Source', 'Active', 'From', 'Until', 'Reason', 'Revoked', '']}
            rows={u.grants.map((g) => [
              g.plan,
              g.source,
              g.active ? 'yes' : 'no',
              when(g.startsAt),
              when(g.endsAt),
              orDash(g.reason),
              g.revokedAt ? `${when(g.revokedAt)}: ${orDash(g.revokedReason)}` : '—',
              g.revokedAt ? (
                ''
              ) : (
                <ReasonForm
                  id={`revoke-${g.id}`}
                  label={`Revoke ${g.plan}`}
                  onSubmit={async (reason) => {
                    const { error } = await call(() => api.DELETE('/api/admin/users/{id}/grants/{grantId}', { params: { path: { id, grantId: g.id } }, body: { reason } }));
                    if (error) return errorMessage(error);
                    reload();
                    return null;
                  }}
                />
              ),
            ])}
            empty="No grants."
          />
          <ReasonForm
            id="grant"
            label="Grant plan"
            onSubmit={async (reason, form) => {
              const data = new FormData(form);
              const plan = field(data, 'plan');
              const endsAt = field(data, 'endsAt');
              const { error } = await call(() =>
                api.POST('/api/admin/users/{id}/grants', { params: { path: { id } }, body: { plan, reason, ...(endsAt ? { endsAt: new Date(endsAt).toISOString() } : {}) } }),
              );
              if (error) return errorMessage(error);
              reload();
              return null;
            }}
          >
            <label>
              Plan
              <input name="plan" required placeholder="pro" />
            </label>
            <label>
              Ends (optional)
              <input name="endsAt" type="date" />
            </label>
          </ReasonForm>
          <h2>Subscriptions</h2>
          <Table
            caption="Stripe subscriptions"
            head={['Subscription', 'Plan', 'Status', 'Period end', 'Cancels']}
            rows={u.subscriptions.map((s) => [
              s.stripeSubscriptionId,
              [s.plan, s.interval].filter(Boolean).join(' / ') || '—',
              s.status,
              when(s.currentPeriodEnd),
              s.cancelAtPeriodEnd ? 'at period end' : when(s.cancelAt),
            ])}
            empty="No subscriptions."
          />
          <h2>Usage and credits</h2>
          <Status loading={usage.loading} error={usage.error} />
          {usage.data && (
            <>
              <Table
                caption="Usage this period"
                head={['Feature', 'Period', 'Used', 'Limit', 'Credits', 'Remaining', 'Resets']}
                rows={usage.data.items.map((i) => [i.feature, i.period, i.used, orDash(i.limit), i.credits, orDash(i.remaining), when(i.resetsAt)])}
                empty="No limits on this plan."
              />
              <Table
                caption="Credits"
                head={['Feature', 'Amount', 'Remaining', 'Source', 'Reason', 'Added']}
                rows={usage.data.credits.map((c) => [c.feature, c.amount, c.remaining, c.source, orDash(c.reason), when(c.createdAt)])}
                empty="No credits."
              />
            </>
          )}
          <h2>Checkout sessions</h2>
          <Table
            caption="The user's sessions"
            head={['Created', 'Stripe id', 'Status', 'Payment']}
            rows={u.sessions.map((s) => [when(s.createdAt), <a href={href(`sessions/${s.id}`)}>{s.stripeSessionId}</a>, s.status, s.paymentStatus])}
            empty="No sessions."
          />
        </>
      )}
    </section>
  );
}
