import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reads that events make by a Stripe id: a refund, dispute or charge event finds its checkout session by its
 * PaymentIntent, a paid session takes the refunds and disputes of its PaymentIntent that came before it, a
 * customer.updated event updates the sessions of its customer, and the revenue report sums each invoice's disputes.
 * Without these, each such read was a scan of the whole table, so every event cost more as the history grew.
 */
export class EventLookupIndexes1796300000000 implements MigrationInterface {
  name = 'EventLookupIndexes1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "idx_checkout_sessions_payment_intent" ON "checkout_sessions" ("stripe_payment_intent_id") WHERE stripe_payment_intent_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "idx_checkout_sessions_customer" ON "checkout_sessions" ("stripe_customer_id") WHERE stripe_customer_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "idx_refunds_payment_intent" ON "refunds" ("payment_intent_id") `);
    await queryRunner.query(`CREATE INDEX "idx_disputes_payment_intent" ON "disputes" ("payment_intent_id") `);
    await queryRunner.query(`CREATE INDEX "idx_disputes_invoice" ON "disputes" ("invoice_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_disputes_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."idx_disputes_payment_intent"`);
    await queryRunner.query(`DROP INDEX "public"."idx_refunds_payment_intent"`);
    await queryRunner.query(`DROP INDEX "public"."idx_checkout_sessions_customer"`);
    await queryRunner.query(`DROP INDEX "public"."idx_checkout_sessions_payment_intent"`);
  }
}
