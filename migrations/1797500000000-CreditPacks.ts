import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credit packs: a one-time Checkout Session may sell a pack (CREDIT_PACK_<NAME>) instead of a plan. Its credits are
 * granted once, at the session's fulfilment (`usage_credits.checkout_session_id`, source `purchase`), and what is left
 * of them is taken back once when its payment is refunded in full or its dispute lost (source `takeback`).
 */
export class CreditPacks1797500000000 implements MigrationInterface {
  name = 'CreditPacks1797500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "checkout_sessions" ADD "credit_pack" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "usage_credits" ADD "checkout_session_id" uuid`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_usage_credits_session_source" ON "usage_credits" ("checkout_session_id", "source") WHERE checkout_session_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_usage_credits_session_source"`);
    await queryRunner.query(`ALTER TABLE "usage_credits" DROP COLUMN "checkout_session_id"`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "credit_pack"`);
  }
}
