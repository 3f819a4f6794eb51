import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

/** Stripe's published example objects (test/fixtures/stripe, MIT): payloads start from these, not from our code. */
const FIXTURES = JSON.parse(readFileSync(new URL('../fixtures/stripe/fixtures3-subset.json', import.meta.url), 'utf8')) as { resources: Record<string, unknown> };

const id = (prefix: string) => `${prefix}_${randomBytes(9).toString('hex')}`;
const fixture = <T>(name: string): T => structuredClone(FIXTURES.resources[name]) as T;

export function chargeFixture(overrides: Partial<Stripe.Charge> = {}): Stripe.Charge {
  return { ...fixture<Stripe.Charge>('charge'), id: id('ch'), captured: true, amount_captured: overrides.amount ?? 100, ...overrides };
}

export function refundFixture(overrides: Partial<Stripe.Refund> = {}): Stripe.Refund {
  return { ...fixture<Stripe.Refund>('refund'), id: id('re'), ...overrides };
}

export function disputeFixture(overrides: Partial<Stripe.Dispute> = {}): Stripe.Dispute {
  return { ...fixture<Stripe.Dispute>('dispute'), id: id('dp'), ...overrides };
}

export function invoiceFixture(overrides: Partial<Stripe.Invoice> = {}): Stripe.Invoice {
  return { ...fixture<Stripe.Invoice>('invoice'), id: id('in'), ...overrides };
}

export function customerFixture(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
  return { ...fixture<Stripe.Customer>('customer'), ...overrides };
}

export function deletedCustomerFixture(customerId: string): Stripe.DeletedCustomer {
  return { ...fixture<Stripe.DeletedCustomer>('deleted_customer'), id: customerId };
}
