import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscriptions as rows and the grants ledger, built from what the tables held before: the user's one
 * subscription (users.stripe_subscription_id), fulfilled one-time sessions, and any other paid plan a user had
 * (kept as an admin grant, so no one loses access in the move).
 */
export class SubscriptionsAndGrants1795900000000 implements MigrationInterface {
  name = 'SubscriptionsAndGrants1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "plan_valid_until" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "users" ADD "checkout_lease_until" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE TABLE "subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "stripe_subscription_id" character varying(255) NOT NULL, "user_id" uuid, ` +
        `"stripe_customer_id" character varying(255), "status" character varying(32) NOT NULL, "plan" character varying(64), "interval" character varying(8), ` +
        `"price_id" character varying(255), "product_id" character varying(255), "stripe_item_id" character varying(255), "quantity" integer NOT NULL DEFAULT '1', ` +
        `"current_period_end" TIMESTAMP WITH TIME ZONE, "cancel_at" TIMESTAMP WITH TIME ZONE, "cancel_at_period_end" boolean NOT NULL DEFAULT false, ` +
        `"canceled_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, "trial_end" TIMESTAMP WITH TIME ZONE, "pause_behavior" character varying(32), ` +
        `"pause_resumes_at" TIMESTAMP WITH TIME ZONE, "latest_invoice_id" character varying(255), "state_at" TIMESTAMP WITH TIME ZONE, ` +
        `"created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "UQ_3a2d09d943f39912a01831a9272" UNIQUE ("stripe_subscription_id"), CONSTRAINT "PK_a87248d73155605cf782be9ee5e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_subscriptions_user" ON "subscriptions" ("user_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "grants" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "plan" character varying(64) NOT NULL, "source" character varying(16) NOT NULL, ` +
        `"subscription_id" uuid, "checkout_session_id" uuid, "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "ends_at" TIMESTAMP(3) WITH TIME ZONE, ` +
        `"revoked_at" TIMESTAMP(3) WITH TIME ZONE, "revoked_reason" character varying(500), "reason" character varying(500), "actor_id" uuid, ` +
        `"created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a25f5f89eff8b3277f7969b7094" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_grants_user" ON "grants" ("user_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_grants_subscription" ON "grants" ("subscription_id") WHERE subscription_id IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_grants_checkout_session" ON "grants" ("checkout_session_id") WHERE checkout_session_id IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "subscriptions" ADD CONSTRAINT "FK_d0a95ef8a28188364c546eb65c1" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "grants" ADD CONSTRAINT "FK_501eb48e321a0f302707ec42aa3" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    // existing data: each user's subscription, with the plan its checkout session bought
    await queryRunner.query(`
      INSERT INTO subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, plan, interval, price_id, current_period_end, cancel_at_period_end, state_at)
      SELECT u.stripe_subscription_id, u.id, u.stripe_customer_id, coalesce(u.subscription_status, 'active'),
             coalesce(cs.plan, NULLIF(u.plan, 'free')), CASE WHEN cs.interval IN ('month', 'year') THEN cs.interval END,
             coalesce(u.subscription_price_id, cs.price_id), u.current_period_end, u.cancel_at_period_end, u.subscription_event_at
      FROM users u
      LEFT JOIN LATERAL (SELECT plan, interval, price_id FROM checkout_sessions c WHERE c.stripe_subscription_id = u.stripe_subscription_id ORDER BY c.created_at DESC LIMIT 1) cs ON true
      WHERE u.stripe_subscription_id IS NOT NULL`);
    await queryRunner.query(`
      INSERT INTO grants (user_id, plan, source, subscription_id, reason, revoked_at, revoked_reason)
      SELECT s.user_id, s.plan, 'subscription', s.id, 'subscription ' || s.status,
             CASE WHEN s.status IN ('active', 'trialing', 'past_due') THEN NULL ELSE now() END,
             CASE WHEN s.status IN ('active', 'trialing', 'past_due') THEN NULL ELSE 'subscription ' || s.status END
      FROM subscriptions s WHERE s.plan IS NOT NULL AND s.user_id IS NOT NULL`);
    // fulfilled one-time purchases
    await queryRunner.query(`
      INSERT INTO grants (user_id, plan, source, checkout_session_id, starts_at, reason)
      SELECT c.user_id, c.plan, 'purchase', c.id, c.fulfilled_at, 'one-time purchase'
      FROM checkout_sessions c WHERE c.mode = 'payment' AND c.fulfilled_at IS NOT NULL AND c.plan IS NOT NULL AND c.user_id IS NOT NULL`);
    // any paid plan no grant above explains: kept, so that no one loses access in the move
    await queryRunner.query(`
      INSERT INTO grants (user_id, plan, source, reason)
      SELECT u.id, u.plan, 'admin', 'kept from before the grants ledger'
      FROM users u WHERE u.plan <> 'free'
        AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id AND g.plan = u.plan AND g.revoked_at IS NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "grants" DROP CONSTRAINT "FK_501eb48e321a0f302707ec42aa3"`);
    await queryRunner.query(`ALTER TABLE "subscriptions" DROP CONSTRAINT "FK_d0a95ef8a28188364c546eb65c1"`);
    await queryRunner.query(`DROP INDEX "public"."uq_grants_checkout_session"`);
    await queryRunner.query(`DROP INDEX "public"."uq_grants_subscription"`);
    await queryRunner.query(`DROP INDEX "public"."idx_grants_user"`);
    await queryRunner.query(`DROP TABLE "grants"`);
    await queryRunner.query(`DROP INDEX "public"."idx_subscriptions_user"`);
    await queryRunner.query(`DROP TABLE "subscriptions"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "checkout_lease_until"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "plan_valid_until"`);
  }
}
