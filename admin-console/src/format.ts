/** Minor units to a display amount: 49900 usd → "$499.00". Zero-decimal currencies (jpy…) are handled by Intl. */
export function money(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || !currency) return '—';
  return new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).format(amount / minorUnits(currency));
}

/** How many minor units make one major unit: 100 for usd and eur, 1 for jpy. */
export function minorUnits(currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2;
  return 10 ** digits;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export const orDash = (value: string | number | boolean | null | undefined): string => (value === null || value === undefined || value === '' ? '—' : String(value));

/** A form field's text (a FormData value may be a File); trimmed unless `trim` is false (passwords). */
export function field(data: FormData, name: string, trim = true): string {
  const value = data.get(name);
  if (typeof value !== 'string') return '';
  return trim ? value.trim() : value;
}

/** "1 event", "3 events" */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
