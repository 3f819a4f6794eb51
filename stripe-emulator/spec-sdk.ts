import Stripe from 'stripe';
import { createStripeEmulator, type EmulatorOptions, type StripeEmulator } from './server.js';

/**
 * For the emulator's own specs: an emulator that records events instead of posting them, and the real `stripe` SDK
 * pointed at it exactly as the service reaches it (host/port/protocol from the emulator's URL, as in
 * src/stripe/stripe.client.ts).
 */
export async function recordingEmulator(options: Omit<EmulatorOptions, 'deliveryMode'>): Promise<{ emulator: StripeEmulator; stripe: Stripe }> {
  const emulator = await createStripeEmulator({ ...options, deliveryMode: 'record' });
  const url = new URL(emulator.url);
  const stripe = new Stripe(options.secretKey, {
    apiVersion: Stripe.API_VERSION,
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
  return { emulator, stripe };
}
