import { orderStates, statusGrants } from './subscription-lifecycle.js';

const at = (seconds: number, ms = 0) => new Date(seconds * 1000 + ms);

describe('subscription statuses', () => {
  it('grants for active and trialing, for past_due only while configured, never for the rest', () => {
    expect(['active', 'trialing'].every((s) => statusGrants(s, false))).toBe(true);
    expect(statusGrants('past_due', true)).toBe(true);
    expect(statusGrants('past_due', false)).toBe(false);
    for (const status of ['paused', 'incomplete', 'incomplete_expired', 'unpaid', 'canceled', 'something_new']) expect(statusGrants(status, true)).toBe(false);
  });
});

describe('orderStates', () => {
  it('takes the newer second and refuses the older one', () => {
    expect(orderStates({ at: at(11), status: 'past_due' }, { at: at(10), status: 'active' })).toEqual({ replace: true, ambiguous: false });
    expect(orderStates({ at: at(9), status: 'active' }, { at: at(10), status: 'past_due' })).toEqual({ replace: false, ambiguous: false });
  });

  it('never brings an ended subscription back, even with a later time', () => {
    expect(orderStates({ at: at(20), status: 'active' }, { at: at(10), status: 'canceled' }).replace).toBe(false);
    expect(orderStates({ at: at(20), status: 'active' }, { at: at(10), status: 'incomplete_expired' }).replace).toBe(false);
  });

  it('breaks a same-second tie by the lifecycle: a late created (incomplete, trialing) never undoes active', () => {
    expect(orderStates({ at: at(10), status: 'incomplete' }, { at: at(10), status: 'active' }).replace).toBe(false);
    expect(orderStates({ at: at(10), status: 'trialing' }, { at: at(10), status: 'active' }).replace).toBe(false);
    expect(orderStates({ at: at(10), status: 'active' }, { at: at(10), status: 'incomplete' }).replace).toBe(true);
    expect(orderStates({ at: at(10), status: 'canceled' }, { at: at(10), status: 'active' }).replace).toBe(true);
  });

  it('within one stage, follows previous_attributes, and flags what it cannot prove', () => {
    expect(orderStates({ at: at(10), status: 'past_due', previousStatus: 'active' }, { at: at(10), status: 'active' })).toEqual({ replace: true, ambiguous: false });
    expect(orderStates({ at: at(10), status: 'active', previousStatus: 'trialing' }, { at: at(10), status: 'past_due' })).toEqual({ replace: false, ambiguous: false });
    expect(orderStates({ at: at(10), status: 'active' }, { at: at(10), status: 'active' })).toEqual({ replace: true, ambiguous: true });
    // an event of the same second as an API read made after it
    expect(orderStates({ at: at(10), status: 'active' }, { at: at(10, 700), status: 'active' })).toEqual({ replace: false, ambiguous: true });
  });

  it('places a provisional state (from a paid session) after incomplete and before every later state', () => {
    expect(orderStates({ at: null, status: 'active' }, null).replace).toBe(true);
    expect(orderStates({ at: null, status: 'active' }, { at: at(10), status: 'trialing' }).replace).toBe(false);
    expect(orderStates({ at: null, status: 'active' }, { at: at(10), status: 'past_due' }).replace).toBe(false);
    expect(orderStates({ at: at(10), status: 'trialing' }, { at: null, status: 'active' }).replace).toBe(true);
    // Checkout's customer.subscription.created (incomplete) is older than the paid session, whenever it arrives
    expect(orderStates({ at: at(10), status: 'incomplete' }, { at: null, status: 'active' })).toEqual({ replace: false, ambiguous: false });
    expect(orderStates({ at: at(10), status: 'incomplete' }, { at: null, status: 'trialing' }).replace).toBe(false);
    expect(orderStates({ at: null, status: 'active' }, { at: at(10), status: 'incomplete' })).toEqual({ replace: true, ambiguous: false });
    expect(orderStates({ at: null, status: 'trialing' }, { at: at(10), status: 'incomplete' }).replace).toBe(true);
    expect(orderStates({ at: null, status: 'active' }, { at: at(10), status: 'incomplete_expired' }).replace).toBe(false);
  });
});
