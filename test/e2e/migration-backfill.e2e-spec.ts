import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { SubscriptionsAndGrants1795900000000 } from '../../migrations/1795900000000-SubscriptionsAndGrants.js';
import { appDataSourceOptions } from '../../src/data-source.js';
import { createTestDatabase } from '../support/database.js';

/** Issue 14: the grants ledger and subscription rows are built from what a database of the previous version holds. */
describe('Migration to subscriptions and grants', () => {
  it('builds subscription rows and grants from users and sessions, so that no one loses what they had', async () => {
    const database = await createTestDatabase();
    const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(SubscriptionsAndGrants1795900000000));
    const old = new DataSource({ ...appDataSourceOptions(database.url, 2), migrations: before });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    const user = async (email: string, plan: string, extra: Record<string, unknown> = {}) => {
      const columns = ['email', 'password_hash', 'plan', ...Object.keys(extra)];
      const values = [email, 'x', plan, ...Object.values(extra)];
      const [row] = await old.query(`INSERT INTO users (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, values);
      return row.id as string;
    };
    const subscriber = await user('sub@example.com', 'pro', {
      stripe_customer_id: 'cus_a',
      stripe_subscription_id: 'sub_a',
      subscription_status: 'active',
      subscription_price_id: 'price_pro_monthly',
      cancel_at_period_end: true,
    });
    await old.query(
      `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, status, payment_status, stripe_subscription_id, fulfilled_at) VALUES ('cs_a', $1, 'subscription', 'pro', 'month', 'price_pro_monthly', 'complete', 'paid', 'sub_a', now())`,
      [subscriber],
    );
    const buyer = await user('buyer@example.com', 'lifetime');
    const [sale] = await old.query(
      `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, status, payment_status, fulfilled_at) VALUES ('cs_b', $1, 'payment', 'lifetime', 'once', 'complete', 'paid', now()) RETURNING id`,
      [buyer],
    );
    const gifted = await user('gift@example.com', 'team');
    const lapsed = await user('lapsed@example.com', 'free', { stripe_customer_id: 'cus_d', stripe_subscription_id: 'sub_d', subscription_status: 'canceled' });
    await old.destroy();

    const ds = new DataSource(appDataSourceOptions(database.url, 2));
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      const subscriptions = await ds.query(
        `SELECT stripe_subscription_id, user_id, status, plan, interval, price_id, cancel_at_period_end FROM subscriptions ORDER BY stripe_subscription_id`,
      );
      expect(subscriptions).toEqual([
        { stripe_subscription_id: 'sub_a', user_id: subscriber, status: 'active', plan: 'pro', interval: 'month', price_id: 'price_pro_monthly', cancel_at_period_end: true },
        { stripe_subscription_id: 'sub_d', user_id: lapsed, status: 'canceled', plan: null, interval: null, price_id: null, cancel_at_period_end: false },
      ]);
      const grants = await ds.query(`SELECT user_id, plan, source, checkout_session_id, revoked_at IS NULL AS active FROM grants ORDER BY plan`);
      expect(grants).toEqual([
        { user_id: buyer, plan: 'lifetime', source: 'purchase', checkout_session_id: sale.id, active: true },
        { user_id: subscriber, plan: 'pro', source: 'subscription', checkout_session_id: null, active: true },
        { user_id: gifted, plan: 'team', source: 'admin', checkout_session_id: null, active: true },
      ]);
      // and back: the down step removes what the up step made
      for (let i = MIGRATIONS.indexOf(SubscriptionsAndGrants1795900000000); i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await ds.query(`SELECT to_regclass('grants') AS t`)).toEqual([{ t: null }]);
    } finally {
      await ds.destroy();
      await database.drop();
    }
  });

  it('leaves the schema exactly as the entities describe it (nothing for migration:generate to add)', async () => {
    const database = await createTestDatabase();
    const ds = new DataSource(appDataSourceOptions(database.url, 2));
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
      await database.drop();
    }
  });
});
