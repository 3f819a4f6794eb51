import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { UsageTermsService } from './usage-terms.service.js';
import { ADD_CREDITS, CREDIT_BALANCES, CREDIT_LEDGER } from '../entitlements/credits/credit-ledger.sql.js';

export interface CreditEntry {
  id: string;
  feature: string;
  amount: number;
  source: string;
  reason: string | null;
  actorId: string | null;
  createdAt: string;
  /** what is left of this grant: credits are drawn oldest first, and a removal takes from the oldest too */
  remaining: number;
}

interface LedgerRow {
  id: string;
  feature: string;
  amount: string;
  source: string;
  reason: string | null;
  actor_id: string | null;
  created_at: Date;
}

/**
 * Prepaid credits per user and feature: drawn by tracks once the period's allowance is used up. The balance lives on
 * the counter row, so a track decides on it in its one conditional statement; `usage_credits` is the ledger.
 */
@Injectable()
export class CreditsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly terms: UsageTermsService,
  ) {}

  /** An admin adds (or removes, with a negative amount) credits; 409 when removing more than the balance. */
  async adjust(input: { userId: string; feature: string; amount: number; reason: string; actorId: string | null; source: 'admin' }): Promise<CreditEntry & { balance: number }> {
    // 404 for an unknown user, 400 for a feature no plan limits
    await this.terms.forFeature(input.userId, input.feature);
    const [row] = await this.db.query<Array<LedgerRow & { balance: string }>>(ADD_CREDITS, [
      input.userId,
      input.feature,
      input.amount,
      input.source,
      input.reason,
      input.actorId,
      null,
    ]);
    if (!row) throw AppError.conflict(`The user has fewer ${input.feature} credits than ${-input.amount}`);
    return { ...toEntry(row, 0), remaining: Math.max(0, Number(row.amount)), balance: Number(row.balance) };
  }

  /** The ledger, oldest first, with what is left of each grant. */
  async ledger(userId: string): Promise<CreditEntry[]> {
    const rows = await this.db.query<LedgerRow[]>(CREDIT_LEDGER, [userId]);
    const balances = await this.db.query<Array<{ feature: string; granted: string; drawn: string }>>(CREDIT_BALANCES, [userId]);
    // what was taken from the grants: drawn by tracks, plus removed by admins; taken oldest first
    const taken = new Map<string, number>();
    for (const b of balances) taken.set(b.feature, Number(b.drawn));
    for (const r of rows) if (Number(r.amount) < 0) taken.set(r.feature, (taken.get(r.feature) ?? 0) - Number(r.amount));
    return rows.map((r) => {
      const amount = Number(r.amount);
      if (amount <= 0) return toEntry(r, 0);
      const left = taken.get(r.feature) ?? 0;
      const fromThis = Math.min(left, amount);
      taken.set(r.feature, left - fromThis);
      return toEntry(r, amount - fromThis);
    });
  }
}

function toEntry(r: LedgerRow, remaining: number): CreditEntry {
  return {
    id: r.id,
    feature: r.feature,
    amount: Number(r.amount),
    source: r.source,
    reason: r.reason,
    actorId: r.actor_id,
    createdAt: new Date(r.created_at).toISOString(),
    remaining,
  };
}
