/**
 * How the OpenAPI document is written to `openapi/openapi.json` and compared with the app's own, so that
 * every API change shows in review as a diff of one file.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']);

/** A copy with every object's keys in alphabetical order (arrays keep their order): the same API, the same bytes. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return (value as unknown[]).map((item) => sortKeys(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) sorted[key] = sortKeys(item);
  }
  return sorted as T;
}

/** The committed form: sorted keys, two-space indent, trailing newline. */
export function serializeOpenApi(document: object): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `paths./api/x.post.responses.200` → `POST /api/x (operationId) responses.200` so a reader sees which operation moved. */
function label(path: string[], committed: Json, current: Json): string {
  if (path[0] === 'paths' && path.length >= 3 && HTTP_METHODS.has(path[2])) {
    const pick = (doc: Json) => {
      const op = (doc as { paths?: Record<string, Record<string, { operationId?: string }>> } | null)?.paths?.[path[1]]?.[path[2]];
      return op?.operationId;
    };
    const id = pick(current) ?? pick(committed);
    const rest = path.slice(3).join('.');
    return `${path[2].toUpperCase()} ${path[1]}${id ? ` (${id})` : ''}${rest ? ` ${rest}` : ''}`;
  }
  return path.join('.');
}

/**
 * Every difference between the committed document and the app's current one, one line each, named by
 * operation where it lies under `paths` (e.g. `POST /api/auth/login (login) responses.429: only in the app`).
 * Empty when they describe the same API (key order does not matter).
 */
export function diffOpenApi(committed: unknown, current: unknown): string[] {
  const out: string[] = [];
  const rootCommitted = committed as Json;
  const rootCurrent = current as Json;
  const walk = (a: Json | undefined, b: Json | undefined, path: string[]) => {
    if (a === b) return;
    const where = () => label(path, rootCommitted, rootCurrent) || '(document)';
    if (a === undefined) return void out.push(`${where()}: only in the app (not regenerated) = ${show(b)}`);
    if (b === undefined) return void out.push(`${where()}: only in openapi/openapi.json (removed from the app)`);
    const bothArrays = Array.isArray(a) && Array.isArray(b);
    const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
    if (bothArrays) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], [...path, String(i)]);
    } else if (bothObjects) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], [...path, key]);
    } else {
      out.push(`${where()}: committed ${show(a)}, app ${show(b)}`);
    }
  };
  walk(rootCommitted, rootCurrent, []);
  return out;
}
