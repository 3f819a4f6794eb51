import { addMonthsUtc, periodWindow } from './usage-period.js';

const at = (iso: string) => new Date(iso);

describe('periodWindow', () => {
  it('a standing cap has no window; a day is the UTC day; without a subscription a month is the UTC calendar month', () => {
    expect(periodWindow('none', at('2026-12-06T20:00:00Z'), null)).toEqual({ start: null, end: null, source: 'none' });
    expect(periodWindow('day', at('2026-12-06T23:59:59Z'), null)).toEqual({ start: at('2026-12-06T00:00:00Z'), end: at('2026-12-07T00:00:00Z'), source: 'day' });
    expect(periodWindow('month', at('2026-12-31T23:00:00Z'), null)).toEqual({ start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z'), source: 'calendar' });
  });

  it("a monthly subscription's month is its billing period, and goes on month by month once its end has passed", () => {
    const billing = { subscriptionId: 's1', currentPeriodEnd: at('2027-01-06T10:00:00Z'), interval: 'month' as const };
    expect(periodWindow('month', at('2026-12-20T00:00:00Z'), billing)).toEqual({ start: at('2026-12-06T10:00:00Z'), end: at('2027-01-06T10:00:00Z'), source: 'subscription:s1' });
    expect(periodWindow('month', at('2027-02-07T00:00:00Z'), billing).start).toEqual(at('2027-02-06T10:00:00Z'));
    // Stripe's clock ahead (the emulator after a renewal): the period Stripe names
    expect(periodWindow('month', at('2026-11-01T00:00:00Z'), billing).start).toEqual(at('2026-12-06T10:00:00Z'));
  });

  it('a yearly subscription counts by months anchored on its period end; month ends clamp like Stripe', () => {
    const billing = { subscriptionId: 's2', currentPeriodEnd: at('2027-03-31T00:00:00Z'), interval: 'year' as const };
    expect(periodWindow('month', at('2026-12-06T00:00:00Z'), billing)).toMatchObject({ start: at('2026-11-30T00:00:00Z'), end: at('2026-12-31T00:00:00Z') });
    expect(periodWindow('month', at('2026-04-01T00:00:00Z'), billing)).toMatchObject({ start: at('2026-03-31T00:00:00Z'), end: at('2026-04-30T00:00:00Z') });
    expect(addMonthsUtc(at('2027-01-31T00:00:00Z'), 1)).toEqual(at('2027-02-28T00:00:00Z'));
  });
});
