// Every migration, oldest first. `npm run migration:generate -- <Name>` adds new ones here.
import { InitialSchema1795572785393 } from './1795572785393-InitialSchema.js';
import { AdminIndexes1795575706110 } from './1795575706110-AdminIndexes.js';
import { SubscriptionsAndGrants1795900000000 } from './1795900000000-SubscriptionsAndGrants.js';
import { SecurityRound21796000000000 } from './1796000000000-SecurityRound2.js';
import { CheckoutOptions1796100000000 } from './1796100000000-CheckoutOptions.js';
import { AfterTheSale1796200000000 } from './1796200000000-AfterTheSale.js';
import { EventLookupIndexes1796300000000 } from './1796300000000-EventLookupIndexes.js';
import { GroupInOneRoundTrip1796400000000 } from './1796400000000-GroupInOneRoundTrip.js';
import { SubscriptionPendingUpdate1797000000000 } from './1797000000000-SubscriptionPendingUpdate.js';
import { ProductPlans1797100000000 } from './1797100000000-ProductPlans.js';
import { InvoicePaymentsAndTax1797100000001 } from './1797100000001-InvoicePaymentsAndTax.js';
import { SubscriptionSchedules1797200000000 } from './1797200000000-SubscriptionSchedules.js';
import { Charges1797300000000 } from './1797300000000-Charges.js';
import { UsageLimits1797400000000 } from './1797400000000-UsageLimits.js';
import { CreditPacks1797500000000 } from './1797500000000-CreditPacks.js';
import { CredentialsNotify1797600000000 } from './1797600000000-CredentialsNotify.js';
export const MIGRATIONS = [
  InitialSchema1795572785393,
  AdminIndexes1795575706110,
  SubscriptionsAndGrants1795900000000,
  SecurityRound21796000000000,
  CheckoutOptions1796100000000,
  AfterTheSale1796200000000,
  EventLookupIndexes1796300000000,
  GroupInOneRoundTrip1796400000000,
  SubscriptionPendingUpdate1797000000000,
  ProductPlans1797100000000,
  InvoicePaymentsAndTax1797100000001,
  SubscriptionSchedules1797200000000,
  Charges1797300000000,
  UsageLimits1797400000000,
  CreditPacks1797500000000,
  CredentialsNotify1797600000000,
];
