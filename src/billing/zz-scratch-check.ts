import type Stripe from 'stripe';
type Named<T> = T extends string ? (string extends T ? never : T) : never;
type AssertNever<T extends never> = T;
type L = Named<Stripe.Checkout.SessionCreateParams.Locale>;
const few = ['auto', 'de'] as const satisfies readonly L[];
export type X = AssertNever<Exclude<L, (typeof few)[number]>>;
export const bad = ['klingon'] as const satisfies readonly L[];
export const ui = { a: 'hosted' } as const satisfies Record<string, Named<Stripe.Checkout.SessionCreateParams.UiMode>>;
