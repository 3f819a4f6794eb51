import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { call, errorMessage } from './session.js';

export interface Loaded<T> {
  data?: T;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Loads one API answer when `key` changes (a page's filters, an id); `reload` after an action. */
export function useLoad<T>(run: () => Promise<{ data?: T; error?: unknown; response: Response }>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: string | null; loading: boolean }>({ error: null, loading: true });
  const [tick, setTick] = useState(0);
  const shown = useRef(key);
  useEffect(() => {
    let live = true;
    // new filters or another record: the old answer goes at once (a reload keeps it on screen until the new one)
    const stale = shown.current !== key;
    shown.current = key;
    setState((s) => ({ data: stale ? undefined : s.data, error: null, loading: true }));
    call(run).then(
      (r) => live && setState({ data: r.data, error: r.data === undefined ? errorMessage(r.error) : null, loading: false }),
      (e: unknown) => live && setState({ error: String(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}
