import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each instance remembers users' (role, token version) instead of reading them on every authenticated request
 * (src/auth/credentials-cache.ts). These triggers keep that memory exact: whatever changes a user's role or token
 * version (the credentials trigger of SecurityRound2, the admin bootstrap, an operator's SQL) or deletes the user
 * notifies `users_credentials` with the user's id, and TRUNCATE with `*`. PostgreSQL delivers it to every listening
 * instance when the transaction commits, and never if it rolls back.
 */
export class CredentialsNotify1797600000000 implements MigrationInterface {
  name = 'CredentialsNotify1797600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION users_credentials_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM pg_notify('users_credentials', '*');
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('users_credentials', OLD.id::text);
        ELSIF NEW.role IS DISTINCT FROM OLD.role OR NEW.token_version IS DISTINCT FROM OLD.token_version THEN
          PERFORM pg_notify('users_credentials', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$`);
    // AFTER: the credentials trigger (BEFORE) has bumped the token version by then
    await queryRunner.query(
      'CREATE TRIGGER "trg_users_credentials_notify" AFTER UPDATE OF "role", "password_hash", "token_version" OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION users_credentials_notify()',
    );
    await queryRunner.query('CREATE TRIGGER "trg_users_credentials_notify_truncate" AFTER TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION users_credentials_notify()');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER "trg_users_credentials_notify_truncate" ON "users"');
    await queryRunner.query('DROP TRIGGER "trg_users_credentials_notify" ON "users"');
    await queryRunner.query('DROP FUNCTION users_credentials_notify()');
  }
}
