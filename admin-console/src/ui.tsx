import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function Status({ loading, error }: { loading: boolean; error: string | null }) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  return loading ? <p aria-live="polite">Loading…</p> : null;
}

/** A definition list of label → value, for a record's fields. */
export function Fields({ rows }: { rows: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="fields">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Table({ caption, head, rows, empty = 'Nothing here.' }: { caption: string; head: string[]; rows: ComponentChildren[][]; empty?: string }) {
  if (!rows.length) return <p class="muted">{empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((cells, i) => (
            <tr key={i}>
              {cells.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A repair action that needs a written reason (and maybe more fields): a small form with a labelled textarea. The
 * reason goes to the API, which records it with the admin who acted.
 */
export function ReasonForm({
  id,
  label,
  children,
  onSubmit,
  needsReason = true,
}: {
  id: string;
  label: string;
  children?: ComponentChildren;
  needsReason?: boolean;
  /** an error message, null when done, or `{ done }` to say what was done */
  onSubmit: (reason: string, form: HTMLFormElement) => Promise<string | null | { done: string }>;
}) {
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="action"
      id={id}
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        setBusy(true);
        void onSubmit(reason, form)
          .then((result) => {
            if (typeof result === 'string') return setMessage({ text: result, error: true });
            setMessage({ text: result?.done ?? `${label}: done`, error: false });
            setReason('');
          })
          .finally(() => setBusy(false));
      }}
    >
      {children}
      {needsReason && (
        <label>
          Reason
          <textarea name="reason" required minLength={3} maxLength={500} rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
      )}
      <button type="submit" disabled={busy}>
        {label}
      </button>
      {message && (
        <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** "Next page" for a keyset-paged list: the cursor goes into the page's hash, so Back returns to the previous page. */
export function Pager({ next, onNext, onFirst, atFirst }: { next: string | null | undefined; onNext: (cursor: string) => void; onFirst: () => void; atFirst: boolean }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={atFirst} onClick={onFirst}>
        First page
      </button>
      <button type="button" disabled={!next} onClick={() => next && onNext(next)}>
        Next page
      </button>
    </nav>
  );
}
