import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * In this API version charges and PaymentIntents carry no `invoice`: an InvoicePayment (`invoice_payment.paid`) says
 * which payment paid which invoice. Each is kept (it may come before or after its invoice), so that refunds and
 * disputes of a subscription's payment find their invoice. Invoices keep their tax apart, for revenue.
 */
export class InvoicePaymentsAndTax1797100000001 implements MigrationInterface {
  name = 'InvoicePaymentsAndTax1797100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "invoice_payments" ("stripe_invoice_payment_id" text PRIMARY KEY, "stripe_invoice_id" text NOT NULL, "payment_intent_id" text,
        "charge_id" text, "amount_paid" bigint, "currency" char(3) NOT NULL, "status" text NOT NULL, "state_at" timestamptz NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_invoice_payments_invoice" ON "invoice_payments" ("stripe_invoice_id")`);
    await queryRunner.query(`CREATE INDEX "idx_invoice_payments_payment_intent" ON "invoice_payments" ("payment_intent_id") WHERE payment_intent_id IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "invoices" ADD "amount_tax" bigint NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invoices" DROP COLUMN "amount_tax"`);
    await queryRunner.query(`DROP TABLE "invoice_payments"`);
  }
}
