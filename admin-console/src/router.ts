import { useEffect, useState } from 'preact/hooks';

/** Hash routes (#/sessions/cs_…?status=open): the server only ever serves index.html, whatever the page. */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

function parse(): Route {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = () => setRoute(parse());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function href(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(query ?? {}).filter((entry): entry is [string, string] => !!entry[1]));
  const search = params.toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

export const navigate = (path: string, query?: Record<string, string | undefined>): void => void (location.hash = href(path, query));
