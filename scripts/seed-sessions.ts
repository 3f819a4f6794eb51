/**
 * Seeds a large checkout-session history for benchmarks and index checks (never run by the service):
 *   npm run seed:sessions -- [--sessions 1000000] [--users 10000]
 * Uses DATABASE_URL, or the embedded PostgreSQL under ./.data (the one `npm start` uses) when it is unset.
 * Pending migrations are applied first. Rows are generated inside PostgreSQL (generate_series), in batches,
 * spread over the last 365 days; every run adds rows (its ids carry a run tag), so it can be repeated.
 * Seeded users can't sign in: their password hash is of a random, discarded password.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { DataSource } from 'typeorm';
import { runScript, scriptConfig, withScriptDataSource } from './lib/script-runtime.js';

const BATCH = 100_000;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function seed(ds: DataSource, sessions: number, users: number): Promise<void> {
  const tag = Date.now().toString(36);
  const passwordHash = await hash(randomBytes(24).toString('hex'));
  let started = Date.now();
  await ds.query(
    `INSERT INTO users (email, password_hash, plan, subscription_status, created_at, updated_at)
     SELECT 'seed-' || $1 || '-' || g || '@seed.example', $2,
            CASE WHEN g % 3 = 0 THEN 'pro' WHEN g % 7 = 0 THEN 'lifetime' ELSE 'free' END,
            CASE WHEN g % 3 = 0 THEN (ARRAY['active','past_due','canceled','trialing'])[1 + g % 4] END,
            now() - make_interval(secs => (($3 - g) * 3000)::double precision), now()
       FROM generate_series(1, $3) AS g`,
    [tag, passwordHash, users],
  );
  console.log(`users: ${users} in ${Date.now() - started} ms`);

  // the seeded users, numbered 1..n, so each session picks one by arithmetic rather than a random join
  await ds.query(`CREATE TEMP TABLE seed_users AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE email LIKE $1`, [`seed-${tag}-%`]);
  await ds.query('CREATE UNIQUE INDEX ON seed_users (n)');
  const spanSeconds = 365 * 86_400;
  for (let offset = 0; offset < sessions; offset += BATCH) {
    started = Date.now();
    const upto = Math.min(offset + BATCH, sessions);
    // g drives every column deterministically; created_at grows with g, with sub-second jitter and some ties
    await ds.query(
      `WITH s AS (
         SELECT g,
                CASE WHEN g % 20 = 0 THEN 'setup' WHEN g % 20 < 8 THEN 'payment' ELSE 'subscription' END AS mode,
                CASE WHEN g % 10 = 0 THEN 'open' WHEN g % 10 < 3 THEN 'expired' ELSE 'complete' END AS status,
                now() - make_interval(secs => (($2::bigint - g) * ($3::double precision / $2::bigint)) + (g % 7) / 10.0) AS created_at
           FROM generate_series($4::bigint, $5::bigint) AS g)
       INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, quantity, status, payment_status,
                                      amount_total, currency, customer_email, expires_at, fulfilled_at, created_at, updated_at)
       SELECT 'cs_seed_' || $1 || '_' || s.g,
              u.id,
              s.mode,
              CASE s.mode WHEN 'payment' THEN 'lifetime' WHEN 'subscription' THEN 'pro' END,
              CASE s.mode WHEN 'payment' THEN 'once' WHEN 'subscription' THEN (CASE WHEN s.g % 4 = 0 THEN 'year' ELSE 'month' END) END,
              CASE s.mode WHEN 'payment' THEN 'price_seed_lifetime' WHEN 'subscription' THEN (CASE WHEN s.g % 4 = 0 THEN 'price_seed_pro_yearly' ELSE 'price_seed_pro_monthly' END) END,
              1,
              s.status,
              CASE WHEN s.status <> 'complete' THEN 'unpaid' WHEN s.mode = 'setup' THEN 'no_payment_required' ELSE 'paid' END,
              CASE s.mode WHEN 'payment' THEN 19900 WHEN 'subscription' THEN (CASE WHEN s.g % 4 = 0 THEN 19000 ELSE 1900 END) END,
              CASE WHEN s.g % 5 = 0 THEN 'eur' ELSE 'usd' END,
              'seed-' || $1 || '-' || u.n || '@seed.example',
              s.created_at + interval '24 hours',
              CASE WHEN s.status = 'complete' AND s.mode <> 'setup' THEN s.created_at + interval '5 seconds' END,
              s.created_at,
              s.created_at
         FROM s JOIN seed_users u ON u.n = 1 + (s.g * 7919) % $6`,
      [tag, sessions, spanSeconds, offset + 1, upto, users],
    );
    console.log(`sessions: ${upto} / ${sessions} (${Date.now() - started} ms for this batch)`);
  }
  started = Date.now();
  await ds.query('ANALYZE users');
  await ds.query('ANALYZE checkout_sessions');
  console.log(`analyze: ${Date.now() - started} ms`);
  const [{ count }] = await ds.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM checkout_sessions');
  console.log(`done: checkout_sessions now holds ${count} rows (run tag ${tag})`);
}

async function main(): Promise<void> {
  const sessions = option('sessions', 1_000_000);
  const users = option('users', 10_000);
  await withScriptDataSource(scriptConfig(), { poolSize: 1, noStatementTimeout: true }, async (ds) => {
    await ds.runMigrations({ transaction: 'each' });
    await seed(ds, sessions, users);
  });
}

runScript(main);
