import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A plan change waiting for its payment (Stripe's `pending_update`): the plan and interval it would move to and
 * when Stripe discards it. The subscription keeps its current price (and grant) until the invoice is paid.
 */
export class SubscriptionPendingUpdate1797000000000 implements MigrationInterface {
  name = 'SubscriptionPendingUpdate1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "pending_plan" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "pending_price_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "pending_interval" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "pending_expires_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "pending_expires_at"`);
    await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "pending_interval"`);
    await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "pending_price_id"`);
    await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "pending_plan"`);
  }
}
