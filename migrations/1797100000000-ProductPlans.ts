import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The plan of each Stripe product a catalogue price belongs to, as any instance learnt it (the start-up check, or a
 * lookup on demand when that check failed): every instance maps a grandfathered price of the same product alike,
 * and a failed start-up check on one instance never maps a paying subscription to no plan.
 */
export class ProductPlans1797100000000 implements MigrationInterface {
  name = 'ProductPlans1797100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "stripe_product_plans" ("product_id" text PRIMARY KEY, "plan" text NOT NULL, "price_id" text NOT NULL, "learnt_at" timestamptz NOT NULL DEFAULT now())`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "stripe_product_plans"`);
  }
}
