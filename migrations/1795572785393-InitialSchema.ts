import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795572785393 implements MigrationInterface {
  name = 'InitialSchema1795572785393';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(254) NOT NULL, "name" character varying(100), "password_hash" character varying(255) NOT NULL, "role" character varying(16) NOT NULL DEFAULT \'user\', "plan" character varying(64) NOT NULL DEFAULT \'free\', "subscription_status" character varying(32), "stripe_customer_id" character varying(255), "stripe_subscription_id" character varying(255), "subscription_price_id" character varying(255), "current_period_end" TIMESTAMP WITH TIME ZONE, "cancel_at_period_end" boolean NOT NULL DEFAULT false, "subscription_event_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "UQ_5ffbe395603641c29e8ce9b4c97" UNIQUE ("stripe_customer_id"), CONSTRAINT "UQ_0931c69f53872198e499cc722e4" UNIQUE ("stripe_subscription_id"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "refresh_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "family_id" uuid NOT NULL, "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_a7838d2ba25be1342091b6695f1" UNIQUE ("token_hash"), CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "IDX_3ddc983c5f7bcf132fd8732c3f" ON "refresh_tokens"  ("user_id") ');
    await queryRunner.query('CREATE INDEX "IDX_d5e27da0cd39bc3bb2811fc8ba" ON "refresh_tokens"  ("family_id") ');
    await queryRunner.query(
      'CREATE TABLE "checkout_sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "stripe_session_id" character varying(255) NOT NULL, "user_id" uuid, "mode" character varying(16) NOT NULL, "plan" character varying(64), "interval" character varying(8), "price_id" character varying(255), "quantity" integer NOT NULL DEFAULT \'1\', "status" character varying(16) NOT NULL DEFAULT \'open\', "payment_status" character varying(32) NOT NULL DEFAULT \'unpaid\', "amount_total" bigint, "currency" character(3), "url" text, "expires_at" TIMESTAMP WITH TIME ZONE, "customer_email" character varying(254), "stripe_customer_id" character varying(255), "stripe_subscription_id" character varying(255), "stripe_payment_intent_id" character varying(255), "idempotency_key" character varying(255), "unmatched" boolean NOT NULL DEFAULT false, "fulfilled_at" TIMESTAMP WITH TIME ZONE, "payment_failed_at" TIMESTAMP WITH TIME ZONE, "last_event_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_1f8c43a04a13304f6316b30fad2" UNIQUE ("stripe_session_id"), CONSTRAINT "PK_5730b2bbc190203a94941d82bd1" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_checkout_sessions_user_idempotency" ON "checkout_sessions"  ("user_id", "idempotency_key") WHERE idempotency_key IS NOT NULL');
    await queryRunner.query('CREATE INDEX "idx_checkout_sessions_created" ON "checkout_sessions"  ("created_at", "id") ');
    await queryRunner.query('CREATE INDEX "idx_checkout_sessions_user_created" ON "checkout_sessions"  ("user_id", "created_at", "id") ');
    await queryRunner.query(
      'CREATE TABLE "fulfillments" ("checkout_session_id" uuid NOT NULL, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "source" character varying(16) NOT NULL, "event_id" character varying(255), CONSTRAINT "PK_8072c0f17115fe69eedff59ba1d" PRIMARY KEY ("checkout_session_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "stripe_events" ("id" character varying(255) NOT NULL, "type" character varying(100) NOT NULL, "stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "livemode" boolean NOT NULL, "api_version" character varying(32), "object_id" character varying(255), "payload" jsonb NOT NULL, "status" character varying(16) NOT NULL DEFAULT \'received\', "attempts" integer NOT NULL DEFAULT \'0\', "last_error" text, "ignored_reason" character varying(255), "source" character varying(16) NOT NULL DEFAULT \'webhook\', "received_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_d3247bd5fc3f66b6982bbcdd897" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_stripe_events_object" ON "stripe_events"  ("object_id") ');
    await queryRunner.query('CREATE INDEX "idx_stripe_events_received" ON "stripe_events"  ("received_at", "id") ');
    await queryRunner.query(
      'ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_3ddc983c5f7bcf132fd8732c3f4" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "checkout_sessions" ADD CONSTRAINT "FK_0fcf7372ed8c867428d29dfab53" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "fulfillments" ADD CONSTRAINT "FK_8072c0f17115fe69eedff59ba1d" FOREIGN KEY ("checkout_session_id") REFERENCES "checkout_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "fulfillments" DROP CONSTRAINT "FK_8072c0f17115fe69eedff59ba1d"');
    await queryRunner.query('ALTER TABLE "checkout_sessions" DROP CONSTRAINT "FK_0fcf7372ed8c867428d29dfab53"');
    await queryRunner.query('ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_3ddc983c5f7bcf132fd8732c3f4"');
    await queryRunner.query('DROP INDEX "public"."idx_stripe_events_received"');
    await queryRunner.query('DROP INDEX "public"."idx_stripe_events_object"');
    await queryRunner.query('DROP TABLE "stripe_events"');
    await queryRunner.query('DROP TABLE "fulfillments"');
    await queryRunner.query('DROP INDEX "public"."idx_checkout_sessions_user_created"');
    await queryRunner.query('DROP INDEX "public"."idx_checkout_sessions_created"');
    await queryRunner.query('DROP INDEX "public"."uq_checkout_sessions_user_idempotency"');
    await queryRunner.query('DROP TABLE "checkout_sessions"');
    await queryRunner.query('DROP INDEX "public"."IDX_d5e27da0cd39bc3bb2811fc8ba"');
    await queryRunner.query('DROP INDEX "public"."IDX_3ddc983c5f7bcf132fd8732c3f"');
    await queryRunner.query('DROP TABLE "refresh_tokens"');
    await queryRunner.query('DROP TABLE "users"');
  }
}
