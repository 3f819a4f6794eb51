/**
 * The benchmark's peer: `@supabase/stripe-sync-engine` behind a plain `node:http` wrapper of its own
 * `processWebhook` (its signature check, its upserts), on its own PostgreSQL, in its own process so that its CPU
 * is its own. Run by bench/lib/peer.ts as `node dist/bench/lib/peer-server.js`.
 *
 * For a checkout session the engine also lists the session's line items from the Stripe API (and fetches a price,
 * and its product, the first time it meets them); offline, a local stub in this process answers those calls as
 * Stripe does: a session has at least one line item, here the bench's one price (a round trip on loopback, where
 * Stripe takes tens of milliseconds). Everything else is the engine as published, with its defaults.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import pino from 'pino';
import Stripe from 'stripe';
import { checkoutLineItemObject, checkoutSessionObject, priceObject } from '../../stripe-emulator/objects.js';

// the package's CommonJS build: its ES module build finds its migrations through `__dirname`, which ES modules
// do not have (0.48.5), so its runMigrations fails there, silently
const { runMigrations, StripeSync } = createRequire(import.meta.url)('@supabase/stripe-sync-engine') as typeof import('@supabase/stripe-sync-engine');

const { DATABASE_URL: databaseUrl, STRIPE_WEBHOOK_SECRET: secret, PORT: port, POOL_SIZE: poolSize } = process.env;
if (!databaseUrl || !secret || !port) throw new Error('peer-server needs DATABASE_URL, STRIPE_WEBHOOK_SECRET and PORT');

/** The price of every bench session (bench/lib/webhook-events.ts sells `pro` monthly at 2000). */
const PRICE = priceObject({ id: 'price_bench_pro_monthly', unit_amount: 2000, nickname: 'Pro monthly' });

/** What Stripe answers the engine's calls: a session's line items (one, never none), a price, its product. */
function stubAnswer(path: string): unknown {
  const lineItems = /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/.exec(path);
  if (lineItems) {
    const session = checkoutSessionObject({ id: lineItems[1], amount_subtotal: PRICE.unit_amount, amount_total: PRICE.unit_amount });
    return { object: 'list', data: [checkoutLineItemObject(session, PRICE, 1)], has_more: false, url: path };
  }
  if (/^\/v1\/prices\/[^/]+$/.test(path)) return PRICE;
  const product = /^\/v1\/products\/([^/]+)$/.exec(path);
  if (product)
    return { id: product[1], object: 'product', active: true, name: 'Pro', description: null, metadata: {}, created: PRICE.created, updated: PRICE.created, livemode: false };
  return { object: 'list', data: [], has_more: false, url: path };
}

function listen(server: Server, on: number): Promise<number> {
  return new Promise((resolve) => server.listen(on, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  // its own logger only for this, so a failed migration shows (runMigrations logs its error and returns)
  await runMigrations({ databaseUrl: databaseUrl!, schema: 'stripe', logger: pino({ level: 'warn' }) });
  const stripeApi = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stubAnswer(new URL(req.url ?? '/', 'http://stub').pathname)));
  });
  const stripePort = await listen(stripeApi, 0);
  const sync = new StripeSync({ stripeSecretKey: 'sk_test_peer_stub', stripeWebhookSecret: secret!, poolConfig: { connectionString: databaseUrl, max: Number(poolSize ?? 10) } });
  // the engine's own client, pointed at the stub (the engine has no option for the API host)
  (sync as unknown as { stripe: Stripe }).stripe = new Stripe('sk_test_peer_stub', { host: '127.0.0.1', port: stripePort, protocol: 'http', maxNetworkRetries: 0 });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/api/webhooks/stripe') {
      res.writeHead(404).end();
      return;
    }
    body(req)
      .then((payload) => sync.processWebhook(payload, req.headers['stripe-signature'] as string | undefined))
      .then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'),
        (error: unknown) => {
          const invalid = error instanceof Stripe.errors.StripeSignatureVerificationError;
          if (!invalid) process.stderr.write(`peer: ${String(error)}\n`);
          res.writeHead(invalid ? 400 : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: invalid ? 'invalid_signature' : 'internal_error' }));
        },
      );
  });
  server.keepAliveTimeout = 60_000;
  await listen(server, Number(port));
  const stop = () => server.close(() => stripeApi.close(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
