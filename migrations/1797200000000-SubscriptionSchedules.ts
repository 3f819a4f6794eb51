import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A plan change at the period end (a Stripe subscription schedule's next phase): the schedule, the plan, price and
 * interval its next phase moves to and when, and the Stripe `created` of the newest schedule event applied (so a late
 * schedule event never undoes a newer one).
 */
export class SubscriptionSchedules1797200000000 implements MigrationInterface {
  name = 'SubscriptionSchedules1797200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "schedule_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "scheduled_plan" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "scheduled_price_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "scheduled_interval" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "scheduled_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "subscriptions" ADD "schedule_state_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['schedule_state_at', 'scheduled_at', 'scheduled_interval', 'scheduled_price_id', 'scheduled_plan', 'schedule_id']) {
      await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "${column}"`);
    }
  }
}
