import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Invoices, refunds and disputes; refunded amounts and admin links on sessions; a deleted Stripe customer's id on users. */
export class AfterTheSale1796200000000 implements MigrationInterface {
  name = 'AfterTheSale1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "previous_stripe_customer_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "amount_refunded" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "refunded_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "linked_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "linked_by" uuid`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "link_reason" character varying(500)`);
    await queryRunner.query(
      `CREATE TABLE "invoices" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "stripe_invoice_id" character varying(255) NOT NULL, "user_id" uuid, ` +
        `"stripe_customer_id" character varying(255), "stripe_subscription_id" character varying(255), "payment_intent_id" character varying(255), ` +
        `"number" character varying(64), "status" character varying(16) NOT NULL, "amount_due" bigint NOT NULL DEFAULT '0', "amount_paid" bigint NOT NULL DEFAULT '0', ` +
        `"amount_refunded" bigint NOT NULL DEFAULT '0', "currency" character(3) NOT NULL, "period_start" TIMESTAMP WITH TIME ZONE, "period_end" TIMESTAMP WITH TIME ZONE, ` +
        `"hosted_invoice_url" text, "invoice_pdf" text, "action_required" boolean NOT NULL DEFAULT false, "state_at" TIMESTAMP WITH TIME ZONE, ` +
        `"created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "UQ_0ddf8494c8665a57c670287ccd6" UNIQUE ("stripe_invoice_id"), CONSTRAINT "PK_668cef7c22a427fd822cc1be3ce" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_invoices_user_created" ON "invoices" ("user_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "idx_invoices_payment_intent" ON "invoices" ("payment_intent_id") `);
    await queryRunner.query(
      `CREATE TABLE "refunds" ("stripe_refund_id" character varying(255) NOT NULL, "charge_id" character varying(255), "payment_intent_id" character varying(255), ` +
        `"amount" bigint NOT NULL, "currency" character(3) NOT NULL, "status" character varying(32) NOT NULL, "reason" character varying(64), ` +
        `"checkout_session_id" uuid, "invoice_id" uuid, "user_id" uuid, "state_at" TIMESTAMP WITH TIME ZONE NOT NULL, "stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `"updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_69110dcf7cbff0515a096de5e5a" PRIMARY KEY ("stripe_refund_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_refunds_checkout_session" ON "refunds" ("checkout_session_id") `);
    await queryRunner.query(`CREATE INDEX "idx_refunds_invoice" ON "refunds" ("invoice_id") `);
    await queryRunner.query(
      `CREATE TABLE "disputes" ("stripe_dispute_id" character varying(255) NOT NULL, "charge_id" character varying(255), "payment_intent_id" character varying(255), ` +
        `"amount" bigint NOT NULL, "currency" character(3) NOT NULL, "status" character varying(32) NOT NULL, "reason" character varying(64), ` +
        `"evidence_due_by" TIMESTAMP WITH TIME ZONE, "checkout_session_id" uuid, "invoice_id" uuid, "user_id" uuid, "state_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `"stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "PK_7329bf225aa36d5a709380adbdf" PRIMARY KEY ("stripe_dispute_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_disputes_checkout_session" ON "disputes" ("checkout_session_id") `);
    await queryRunner.query(`CREATE INDEX "idx_disputes_user" ON "disputes" ("user_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_disputes_user"`);
    await queryRunner.query(`DROP INDEX "public"."idx_disputes_checkout_session"`);
    await queryRunner.query(`DROP TABLE "disputes"`);
    await queryRunner.query(`DROP INDEX "public"."idx_refunds_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."idx_refunds_checkout_session"`);
    await queryRunner.query(`DROP TABLE "refunds"`);
    await queryRunner.query(`DROP INDEX "public"."idx_invoices_payment_intent"`);
    await queryRunner.query(`DROP INDEX "public"."idx_invoices_user_created"`);
    await queryRunner.query(`DROP TABLE "invoices"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "link_reason"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "linked_by"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "linked_at"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "refunded_at"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "amount_refunded"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "previous_stripe_customer_id"`);
  }
}
