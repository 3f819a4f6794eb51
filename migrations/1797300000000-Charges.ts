import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Charges as charges: a `charges` row per Stripe charge keeps its own refunded total (before: a synthetic
 * `charge_total:<charge>` row in `refunds` that every reader had to leave out) and Stripe's fee from its balance
 * transaction. The synthetic rows move over; `refunds.status` is then checked to be one of Stripe's refund statuses.
 */
export class Charges1797300000000 implements MigrationInterface {
  name = 'Charges1797300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "charges" ("stripe_charge_id" character varying(255) NOT NULL, "payment_intent_id" character varying(255), "amount" bigint, ` +
        `"amount_refunded" bigint NOT NULL DEFAULT '0', "currency" character(3) NOT NULL, "fee" bigint, "net" bigint, "balance_transaction_id" character varying(255), ` +
        `"checkout_session_id" uuid, "invoice_id" uuid, "user_id" uuid, "state_at" TIMESTAMP WITH TIME ZONE NOT NULL, "stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `"updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "CHK_charges_amounts" CHECK ("amount_refunded" >= 0 AND ("fee" IS NULL OR "fee" >= 0)), CONSTRAINT "PK_8f9ff8931bc3910fa7e6f5c48c1" PRIMARY KEY ("stripe_charge_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_charges_payment_intent" ON "charges" ("payment_intent_id") `);
    await queryRunner.query(`CREATE INDEX "idx_charges_invoice" ON "charges" ("invoice_id") `);
    await queryRunner.query(`CREATE INDEX "idx_charges_checkout_session" ON "charges" ("checkout_session_id") `);
    await queryRunner.query(
      `INSERT INTO "charges" ("stripe_charge_id", "payment_intent_id", "amount_refunded", "currency", "checkout_session_id", "invoice_id", "user_id", "state_at", "stripe_created_at", "updated_at")
       SELECT "charge_id", "payment_intent_id", GREATEST("amount", 0), "currency", "checkout_session_id", "invoice_id", "user_id", "state_at", "stripe_created_at", "updated_at"
         FROM "refunds" WHERE "status" = 'charge_total' AND "charge_id" IS NOT NULL
       ON CONFLICT ("stripe_charge_id") DO NOTHING`,
    );
    await queryRunner.query(`DELETE FROM "refunds" WHERE "status" NOT IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')`);
    await queryRunner.query(`ALTER TABLE "refunds" ADD CONSTRAINT "CHK_refunds_status" CHECK ("status" IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refunds" DROP CONSTRAINT "CHK_refunds_status"`);
    await queryRunner.query(
      `INSERT INTO "refunds" ("stripe_refund_id", "charge_id", "payment_intent_id", "amount", "currency", "status", "checkout_session_id", "invoice_id", "user_id", "state_at", "stripe_created_at", "updated_at")
       SELECT 'charge_total:' || "stripe_charge_id", "stripe_charge_id", "payment_intent_id", "amount_refunded", "currency", 'charge_total', "checkout_session_id", "invoice_id", "user_id", "state_at", "stripe_created_at", "updated_at"
         FROM "charges"`,
    );
    await queryRunner.query(`DROP INDEX "public"."idx_charges_checkout_session"`);
    await queryRunner.query(`DROP INDEX "public"."idx_charges_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."idx_charges_payment_intent"`);
    await queryRunner.query(`DROP TABLE "charges"`);
  }
}
