import { useMemo, useState } from 'preact/hooks';
import type { Schema } from '../../../openapi/client/index.js';
import { TimeChart, type ChartSeries } from '../chart.js';
import { count, minorUnits, money, orDash, when } from '../format.js';
import { href } from '../router.js';
import { api } from '../session.js';
import { Status, Table } from '../ui.js';
import { useLoad } from '../use-load.js';

const DAY_MS = 86_400_000;
const seconds = (iso: string) => Date.parse(iso) / 1000;

/** Revenue per day and currency, webhook health, the Stripe configuration check and unmapped subscriptions. */
export function OverviewPage() {
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <RevenueChart />
      <WebhookHealth />
      <StripeStatus />
    </section>
  );
}

function RevenueChart() {
  const [to] = useState(() => new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS));
  const from = new Date(to.getTime() - 30 * DAY_MS);
  const revenue = useLoad(() => api.GET('/api/admin/stats/revenue/daily', { params: { query: { from: from.toISOString(), to: to.toISOString() } } }), 'revenue');
  const currencies = [...new Set(revenue.data?.days.map((d) => d.currency))];
  const [chosen, setChosen] = useState<string | null>(null);
  const currency = chosen ?? currencies[0] ?? null;
  const days = useMemo(() => (revenue.data?.days ?? []).filter((d) => d.currency === currency), [revenue.data, currency]);
  const series = useMemo<ChartSeries[]>(() => {
    const unit = currency ? minorUnits(currency) : 100;
    return [
      { label: 'Gross', values: days.map((d) => d.gross / unit), color: '#1d4ed8', bars: true },
      { label: 'Refunded', values: days.map((d) => d.refunded / unit), color: '#b45309' },
      { label: 'Disputed (lost)', values: days.map((d) => d.disputedLost / unit), color: '#b91c1c' },
      { label: 'Net', values: days.map((d) => d.net / unit), color: '#047857' },
    ];
  }, [days, currency]);
  const x = useMemo(() => days.map((d) => seconds(`${d.day}T00:00:00Z`)), [days]);
  const total = days.reduce((sum, d) => sum + d.net, 0);
  return (
    <article aria-labelledby="revenue-title">
      <h2 id="revenue-title">Revenue, last 30 days</h2>
      <Status loading={revenue.loading} error={revenue.error} />
      {revenue.data && !currencies.length && <p class="muted">No payments in the last 30 days.</p>}
      {currency && (
        <>
          <label class="narrow">
            Currency
            <select value={currency} onChange={(e) => setChosen(e.currentTarget.value)}>
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c.toUpperCase()}
                </option>
              ))}
            </select>
          </label>
          <TimeChart
            id="revenue-chart"
            title={`Revenue per day (${currency.toUpperCase()}, major units)`}
            summary={`${count(days.length, 'day')} with payments; net over the period ${money(total, currency)}.`}
            x={x}
            xRange={[seconds(from.toISOString()) - DAY_MS / 2000, seconds(to.toISOString())]}
            series={series}
            yLabel={currency.toUpperCase()}
          />
          <details>
            <summary>Revenue per day as a table</summary>
            <Table
              caption={`Revenue per day in ${currency.toUpperCase()}`}
              head={['Day', 'Payments', 'Gross', 'Refunded', 'Disputed (lost)', 'Fees', 'Net']}
              rows={days.map((d) => [
                d.day,
                d.payments,
                money(d.gross, currency),
                money(d.refunded, currency),
                money(d.disputedLost, currency),
                money(d.fees, currency),
                money(d.net, currency),
              ])}
            />
          </details>
        </>
      )}
    </article>
  );
}

function WebhookHealth() {
  const health = useLoad(() => api.GET('/api/admin/stats/webhooks', {}), 'webhooks');
  const minutes: Array<Schema<'WebhookMinuteDto'>> = useMemo(() => health.data?.minutes ?? [], [health.data]);
  const x = useMemo(() => minutes.map((m) => seconds(m.minute)), [minutes]);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: 'Processed', values: minutes.map((m) => m.processed), color: '#047857', bars: true },
      { label: 'Failed', values: minutes.map((m) => m.failed), color: '#b91c1c' },
      { label: 'Ignored', values: minutes.map((m) => m.ignored), color: '#6b7280' },
      { label: 'In flight', values: minutes.map((m) => m.received), color: '#b45309' },
      { label: 'Lag p95 (ms)', values: minutes.map((m) => m.lagP95Ms), color: '#7c3aed', scale: 'y2' },
    ],
    [minutes],
  );
  const backlog = health.data?.backlog;
  return (
    <article aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhook health, last hour</h2>
      <Status loading={health.loading} error={health.error} />
      {backlog && (
        <p id="backlog" class={backlog.failed ? 'error' : 'ok'}>
          {backlog.failed ? (
            <>
              <a href={href('events', { status: 'failed' })}>{count(backlog.failed, 'failed event')}</a> waiting for a replay (oldest received {when(backlog.oldestFailedAt)})
            </>
          ) : (
            'No failed events.'
          )}
          {backlog.stuck ? ` ${count(backlog.stuck, 'event')} received over a minute ago still unfinished.` : ''}
        </p>
      )}
      {health.data && !minutes.length && <p class="muted">No events received in the last hour.</p>}
      {minutes.length > 0 && (
        <TimeChart
          id="webhooks-chart"
          title="Events per minute by outcome, and lag"
          summary={`${count(
            minutes.reduce((n, m) => n + m.processed + m.failed + m.ignored + m.received, 0),
            'event',
          )} over ${count(minutes.length, 'minute')} with traffic.`}
          x={x}
          xRange={[seconds(health.data!.from), seconds(health.data!.to)]}
          series={series}
          yLabel="events"
          y2Label="lag (ms)"
        />
      )}
    </article>
  );
}

function StripeStatus() {
  const status = useLoad(() => api.GET('/api/admin/stripe/status', {}), 'stripe');
  const s = status.data;
  return (
    <article aria-labelledby="stripe-title">
      <h2 id="stripe-title">Stripe configuration</h2>
      <Status loading={status.loading} error={status.error} />
      {s && (
        <>
          <p>
            Mode {orDash(s.mode)}, {count(s.webhookSecrets, 'webhook secret')}, checked {when(s.checkedAt)}
            {s.pending ? ' (check still running)' : ''}.
          </p>
          {s.problems.length ? (
            <ul class="error">
              {s.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : (
            <p class="ok">No problems found.</p>
          )}
          <Table
            caption="Prices"
            head={['Plan', 'Interval', 'Price', 'Check']}
            rows={s.prices.map((p) => [p.plan, p.interval, p.priceId, p.ok ? 'ok' : orDash(p.problem)])}
            empty="No prices configured."
          />
          <Table
            caption="Subscriptions whose price maps to no plan"
            head={['Subscription', 'User', 'Price', 'Status', 'Problem']}
            rows={s.unmappedSubscriptions.map((u) => [
              u.stripeSubscriptionId,
              u.userId ? <a href={href(`users/${u.userId}`)}>{u.userId}</a> : '—',
              orDash(u.priceId),
              u.status,
              u.problem,
            ])}
            empty="No unmapped subscriptions."
          />
        </>
      )}
    </article>
  );
}
