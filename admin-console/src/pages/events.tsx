import type { operations } from '../../../openapi/client/index.js';
import { field, orDash, when } from '../format.js';
import { href, navigate, type Route } from '../router.js';
import { api, call, errorMessage } from '../session.js';
import { Fields, Pager, ReasonForm, Status, Table } from '../ui.js';
import { Filters, type FilterField } from '../filters.js';
import { useLoad } from '../use-load.js';

type EventQuery = NonNullable<operations['listWebhookEvents']['parameters']['query']>;
const FIELDS: Array<FilterField & { name: keyof EventQuery }> = [
  { name: 'status', label: 'Status', options: ['received', 'processed', 'failed', 'ignored'] },
  { name: 'type', label: 'Type', placeholder: 'checkout.session.completed', pattern: '[a-z0-9_.]+' },
  { name: 'from', label: 'Received from', type: 'date' },
  { name: 'to', label: 'Received before', type: 'date' },
];
const FILTERS = FIELDS.map((f) => f.name);

/** The webhook event log, its filters, and recovery of missed events since a date. */
export function EventsPage({ route }: { route: Route }) {
  const query = Object.fromEntries(FILTERS.map((name) => [name, route.query.get(name) ?? undefined]).filter(([, v]) => v)) as Record<string, string>;
  const cursor = route.query.get('cursor') ?? undefined;
  const list = useLoad(() => api.GET('/api/admin/webhook-events', { params: { query: { ...(query as EventQuery), cursor, limit: 25 } } }), route.query.toString());
  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Webhook events</h1>
      <Filters key={route.query.toString()} page="events" label="Filters" fields={FIELDS} query={query} />
      <Status loading={list.loading} error={list.error} />
      {list.data && (
        <>
          <Table
            caption="Received events, newest first"
            head={['Received', 'Event', 'Type', 'Status', 'Attempts', 'Source', 'Last error']}
            rows={list.data.items.map((e) => [
              when(e.receivedAt),
              <a href={href(`events/${e.id}`)}>{e.id}</a>,
              e.type,
              e.status,
              e.attempts,
              e.source,
              orDash(e.lastError ?? e.ignoredReason),
            ])}
            empty="No event matches these filters."
          />
          <Pager next={list.data.nextCursor} atFirst={!cursor} onFirst={() => navigate('events', query)} onNext={(next) => navigate('events', { ...query, cursor: next })} />
        </>
      )}
      <h2>Recover missed events</h2>
      <ReasonForm
        id="recover"
        label="Recover"
        needsReason={false}
        onSubmit={async (_reason, form) => {
          const since = field(new FormData(form), 'since');
          const { data, error } = await call(() => api.POST('/api/admin/webhook-events/recover', { body: since ? { since: new Date(since).toISOString() } : {} }));
          if (!data) return errorMessage(error);
          list.reload();
          return { done: `Recover: scanned ${data.scanned}, recovered ${data.recovered}, already known ${data.alreadyKnown}, failed ${data.failed}` };
        }}
      >
        <p class="muted">Reads Stripe's Events API since then and applies every event this service never received.</p>
        <label>
          Since
          <input name="since" type="datetime-local" />
        </label>
      </ReasonForm>
    </section>
  );
}

/** One event: its status, last error, redacted payload, and Replay. */
export function EventPage({ id }: { id: string }) {
  const event = useLoad(() => api.GET('/api/admin/webhook-events/{id}', { params: { path: { id } } }), id);
  const e = event.data;
  return (
    <section aria-labelledby="event-title">
      <p>
        <a href="#/events">← Events</a>
      </p>
      <h1 id="event-title">Event {id}</h1>
      <Status loading={event.loading} error={event.error} />
      {e && (
        <>
          <Fields
            rows={[
              ['Type', e.type],
              ['Status', <strong id="event-status">{e.status}</strong>],
              ['Object', orDash(e.objectId)],
              ['Attempts', e.attempts],
              ['Last error', <span id="event-error">{orDash(e.lastError)}</span>],
              ['Ignored because', orDash(e.ignoredReason)],
              ['Stripe created', when(e.stripeCreatedAt)],
              ['Received', `${when(e.receivedAt)} (${e.source})`],
              ['Processed', when(e.processedAt)],
              ['API version', orDash(e.apiVersion)],
            ]}
          />
          {e.status === 'failed' || e.status === 'received' ? (
            <ReasonForm
              id="replay"
              label="Replay"
              needsReason={false}
              onSubmit={async () => {
                const { error } = await call(() => api.POST('/api/admin/webhook-events/{id}/replay', { params: { path: { id } } }));
                if (error) return errorMessage(error);
                event.reload();
                return null;
              }}
            >
              <p class="muted">Runs the stored event through the handlers again, as a delivery would.</p>
            </ReasonForm>
          ) : null}
          <h2>Payload</h2>
          <p class="muted">As Stripe sent it, with client secrets redacted.</p>
          <pre class="payload" tabIndex={0} aria-label="Event payload">
            {JSON.stringify(e.payload, null, 2)}
          </pre>
        </>
      )}
    </section>
  );
}
