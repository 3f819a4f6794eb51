import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin filters. Each equality filter gets (column, created_at, id) so that the filter
 * and the keyset order (created_at DESC, id DESC) are served by one index scan that stops after a page.
 * The invoice-subscription expression must stay identical to the one in AdminCheckoutSessionsService.
 */
export class AdminIndexes1795575706110 implements MigrationInterface {
  name = 'AdminIndexes1795575706110';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX "idx_checkout_sessions_status_created" ON "checkout_sessions" ("status", "created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_checkout_sessions_payment_status_created" ON "checkout_sessions" ("payment_status", "created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_checkout_sessions_mode_created" ON "checkout_sessions" ("mode", "created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_checkout_sessions_price_created" ON "checkout_sessions" ("price_id", "created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_users_created" ON "users" ("created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_users_plan_created" ON "users" ("plan", "created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_users_subscription_status_created" ON "users" ("subscription_status", "created_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_stripe_events_status_received" ON "stripe_events" ("status", "received_at", "id")');
    await queryRunner.query('CREATE INDEX "idx_stripe_events_type_received" ON "stripe_events" ("type", "received_at", "id")');
    await queryRunner.query(
      `CREATE INDEX "idx_stripe_events_invoice_subscription" ON "stripe_events" ((payload #>> '{data,object,parent,subscription_details,subscription}')) WHERE (payload #>> '{data,object,parent,subscription_details,subscription}') IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_stripe_events_invoice_subscription"');
    await queryRunner.query('DROP INDEX "public"."idx_stripe_events_type_received"');
    await queryRunner.query('DROP INDEX "public"."idx_stripe_events_status_received"');
    await queryRunner.query('DROP INDEX "public"."idx_users_subscription_status_created"');
    await queryRunner.query('DROP INDEX "public"."idx_users_plan_created"');
    await queryRunner.query('DROP INDEX "public"."idx_users_created"');
    await queryRunner.query('DROP INDEX "public"."idx_checkout_sessions_price_created"');
    await queryRunner.query('DROP INDEX "public"."idx_checkout_sessions_mode_created"');
    await queryRunner.query('DROP INDEX "public"."idx_checkout_sessions_payment_status_created"');
    await queryRunner.query('DROP INDEX "public"."idx_checkout_sessions_status_created"');
  }
}
