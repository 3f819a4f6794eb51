import { Injectable } from '@nestjs/common';
import { StripeSessionSyncService } from '../entitlements/stripe-session-sync.service.js';
import { User } from '../users/user.entity.js';
import { CheckoutService } from './checkout.service.js';
import { CheckoutSessionDto, ConfirmedCheckoutSessionDto } from './dto/billing.dto.js';

/**
 * The success page's call: reads the session from Stripe and applies it through the same transactional
 * code as the webhooks, so a paying customer gets the plan at once, before the webhook arrives. The
 * fulfilment ledger makes whichever path comes first the only one that grants.
 */
@Injectable()
export class CheckoutConfirmService {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly sync: StripeSessionSyncService,
  ) {}

  async confirm(userId: string, id: string): Promise<ConfirmedCheckoutSessionDto> {
    const own = await this.checkout.findOwn(userId, id);
    return this.sync.sync(own.stripeSessionId, 'confirm', async (manager, row) => {
      const user = await manager.getRepository(User).findOneByOrFail({ id: userId });
      return { ...CheckoutSessionDto.from(row), plan: user.plan, purchasedPlan: row.plan, subscriptionStatus: user.subscriptionStatus };
    });
  }
}
