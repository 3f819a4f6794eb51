import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 18: embedded and elements Checkout (the session's UI mode and client secret), the amounts Stripe
 * reports (subtotal, discount, tax), and each Stripe customer's active entitlements.
 */
export class CheckoutOptions1796100000000 implements MigrationInterface {
  name = 'CheckoutOptions1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "amount_subtotal" bigint`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "amount_discount" bigint`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "amount_tax" bigint`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "ui_mode" character varying(16) NOT NULL DEFAULT 'hosted'`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "client_secret" text`);
    await queryRunner.query(
      `CREATE TABLE "customer_entitlements" ("stripe_customer_id" character varying(255) NOT NULL, "lookup_keys" text array NOT NULL DEFAULT '{}', ` +
        `"state_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "PK_customer_entitlements" PRIMARY KEY ("stripe_customer_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "customer_entitlements"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "client_secret"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "ui_mode"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "amount_tax"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "amount_discount"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "amount_subtotal"`);
  }
}
