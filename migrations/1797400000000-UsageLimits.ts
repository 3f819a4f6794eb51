import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage limits (issue 31): one counter row per user and feature (the current period, its credits and the period
 * before it), the past periods, the idempotency keys of tracks, the credits ledger, the outbox of overage
 * units for Stripe's Billing Meters, and service API keys.
 *
 * The counter row is what every track's conditional UPDATE decides on, so everything the decision needs (used,
 * period bounds, credits granted and drawn) lives on it: PostgreSQL re-checks that one row when it waits for a
 * concurrent writer, so no other table is read for the decision.
 */
export class UsageLimits1797400000000 implements MigrationInterface {
  name = 'UsageLimits1797400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "usage_counters" (
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "feature" varchar(80) NOT NULL,
        "period_start" timestamptz,
        "period_end" timestamptz,
        "period_source" varchar(64),
        "used" bigint NOT NULL DEFAULT 0,
        "credits_granted" bigint NOT NULL DEFAULT 0,
        "credits_drawn" bigint NOT NULL DEFAULT 0,
        "prev_period_start" timestamptz,
        "prev_period_end" timestamptz,
        "prev_used" bigint,
        "rolled_at" timestamptz,
        "last_overage" bigint NOT NULL DEFAULT 0,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_usage_counters" PRIMARY KEY ("user_id", "feature"),
        CONSTRAINT "CHK_usage_counters_used" CHECK ("used" >= 0),
        CONSTRAINT "CHK_usage_counters_credits" CHECK ("credits_drawn" >= 0 AND "credits_drawn" <= "credits_granted"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "usage_periods" (
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "feature" varchar(80) NOT NULL,
        "period_start" timestamptz NOT NULL,
        "period_end" timestamptz NOT NULL,
        "used" bigint NOT NULL,
        CONSTRAINT "PK_usage_periods" PRIMARY KEY ("user_id", "feature", "period_start"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "usage_idempotency_keys" (
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "feature" varchar(80) NOT NULL,
        "key" varchar(255) NOT NULL,
        "amount" bigint NOT NULL,
        "answer" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_usage_idempotency_keys" PRIMARY KEY ("user_id", "feature", "key"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_usage_idempotency_keys_created" ON "usage_idempotency_keys" ("created_at")`);
    await queryRunner.query(
      `CREATE TABLE "usage_credits" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "feature" varchar(80) NOT NULL,
        "amount" bigint NOT NULL,
        "source" varchar(16) NOT NULL,
        "reason" varchar(500),
        "actor_id" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_usage_credits" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_usage_credits_user" ON "usage_credits" ("user_id", "feature", "created_at")`);
    // overage units, written in the same transaction as their track, sent to Stripe's meter in batches (batch_id)
    await queryRunner.query(
      `CREATE TABLE "usage_meter_outbox" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "user_id" uuid,
        "feature" varchar(80) NOT NULL,
        "event_name" varchar(100) NOT NULL,
        "stripe_customer_id" varchar(255) NOT NULL,
        "value" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "batch_id" uuid,
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz,
        "last_error" text,
        CONSTRAINT "PK_usage_meter_outbox" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_usage_meter_outbox_status" CHECK ("status" IN ('pending', 'sent', 'failed')))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_usage_meter_outbox_pending" ON "usage_meter_outbox" ("batch_id", "next_attempt_at") WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX "idx_usage_meter_outbox_failed" ON "usage_meter_outbox" ("created_at") WHERE status = 'failed'`);
    await queryRunner.query(
      `CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" varchar(100) NOT NULL,
        "prefix" varchar(32) NOT NULL,
        "key_hash" char(64) NOT NULL,
        "scopes" text[] NOT NULL,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz,
        "revoked_at" timestamptz,
        CONSTRAINT "PK_api_keys" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_api_keys_hash" UNIQUE ("key_hash"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP TABLE "usage_meter_outbox"`);
    await queryRunner.query(`DROP TABLE "usage_credits"`);
    await queryRunner.query(`DROP TABLE "usage_idempotency_keys"`);
    await queryRunner.query(`DROP TABLE "usage_periods"`);
    await queryRunner.query(`DROP TABLE "usage_counters"`);
  }
}
