import { useState } from 'preact/hooks';
import { navigate } from './router.js';

export interface FilterField {
  name: string;
  label: string;
  /** a select of these values (and "any"); otherwise an input */
  options?: readonly string[];
  type?: 'text' | 'email' | 'search' | 'date';
  placeholder?: string;
  pattern?: string;
}

/**
 * A list's filter form. What is typed is kept in the form's own state, so a re-render of the page (its list
 * arriving) never resets a field half-filled; applying it puts the filters in the address (`#/<page>?…`), and the
 * page keys this form by that address, so Back and Clear show the filters of the list on screen.
 */
export function Filters({ page, label, fields, query, submit = 'Filter' }: { page: string; label: string; fields: FilterField[]; query: Record<string, string>; submit?: string }) {
  const [draft, setDraft] = useState<Record<string, string>>(query);
  const set = (name: string, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  return (
    <form
      class="filters"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        navigate(page, Object.fromEntries(fields.map((f) => [f.name, draft[f.name]?.trim() || undefined])));
      }}
    >
      {fields.map((f) => (
        <label key={f.name}>
          {f.label}
          {f.options ? (
            <select name={f.name} value={draft[f.name] ?? ''} onChange={(e) => set(f.name, e.currentTarget.value)}>
              <option value="">any</option>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              name={f.name}
              type={f.type ?? 'text'}
              placeholder={f.placeholder}
              pattern={f.pattern}
              value={draft[f.name] ?? ''}
              onInput={(e) => set(f.name, e.currentTarget.value)}
            />
          )}
        </label>
      ))}
      <div class="buttons">
        <button type="submit">{submit}</button>
        <a href={`#/${page}`}>Clear</a>
      </div>
    </form>
  );
}
