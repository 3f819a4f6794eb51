import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The error with which the session statement, sent with its transaction's `COMMIT` behind it (a group commit in one
 * round trip), stops when a session needs the applier after it: SQLSTATE SC001 (`APPLIER_NEEDED` in
 * checkout-session.applier.ts). The transaction rolls back, and the group is applied again with the applier.
 */
export class GroupInOneRoundTrip1796400000000 implements MigrationInterface {
  name = 'GroupInOneRoundTrip1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION checkout_applier_needed(session_id text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'checkout session % needs the applier after its statement', session_id USING ERRCODE = 'SC001';
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION checkout_applier_needed(text)`);
  }
}
