import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17 (security, second round):
 * - `users.token_version`, carried in every access token and checked by the guard. A trigger bumps it and
 *   revokes every refresh token of the user whenever the role or the password hash changes, whoever makes
 *   the change (the admin bootstrap, a future route, or an operator's SQL).
 * - `auth_throttle`: failure counters shared by every instance (login, refresh, register, confirm, portal).
 * - `job_leases`: one-instance-at-a-time jobs (recovery) without holding a pooled connection for the run.
 * - indexes for the refresh-token retention.
 */
export class SecurityRound21796000000000 implements MigrationInterface {
  name = 'SecurityRound21796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "users" ADD "token_version" integer NOT NULL DEFAULT 0');
    await queryRunner.query(`
      CREATE FUNCTION users_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.role IS DISTINCT FROM OLD.role OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
          NEW.token_version := OLD.token_version + 1;
          UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      'CREATE TRIGGER "trg_users_credentials_changed" BEFORE UPDATE OF "role", "password_hash" ON "users" FOR EACH ROW EXECUTE FUNCTION users_credentials_changed()',
    );

    await queryRunner.query(
      'CREATE TABLE "auth_throttle" ("key" text NOT NULL, "failures" integer NOT NULL, "window_ends" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_auth_throttle" PRIMARY KEY ("key"))',
    );
    await queryRunner.query('CREATE INDEX "idx_auth_throttle_window_ends" ON "auth_throttle" ("window_ends")');

    await queryRunner.query(
      'CREATE TABLE "job_leases" ("name" character varying(64) NOT NULL, "holder" character varying(64) NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_job_leases" PRIMARY KEY ("name"))',
    );

    await queryRunner.query('CREATE INDEX "idx_refresh_tokens_expires" ON "refresh_tokens" ("expires_at")');
    await queryRunner.query('CREATE INDEX "idx_refresh_tokens_used" ON "refresh_tokens" ("used_at") WHERE used_at IS NOT NULL');
    await queryRunner.query('CREATE INDEX "idx_refresh_tokens_revoked" ON "refresh_tokens" ("revoked_at") WHERE revoked_at IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_refresh_tokens_revoked"');
    await queryRunner.query('DROP INDEX "public"."idx_refresh_tokens_used"');
    await queryRunner.query('DROP INDEX "public"."idx_refresh_tokens_expires"');
    await queryRunner.query('DROP TABLE "job_leases"');
    await queryRunner.query('DROP TABLE "auth_throttle"');
    await queryRunner.query('DROP TRIGGER "trg_users_credentials_changed" ON "users"');
    await queryRunner.query('DROP FUNCTION users_credentials_changed()');
    await queryRunner.query('ALTER TABLE "users" DROP COLUMN "token_version"');
  }
}
