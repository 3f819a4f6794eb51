import { createStripeEmulator } from './server.js';
it('peek', async () => {
  const e = await createStripeEmulator({ secretKey: 'sk', deliveryMode: 'record', prices: [{ id: 'price_pro_monthly', interval: 'month' }, { id: 'price_team_monthly', interval: 'month', unitAmount: 9900 }] });
  const c = e.store.createCustomer({ email: 'a@b.c' });
  const s = e.store.createCheckoutSession({ mode: 'subscription', customer: c.id, line_items: [{ price: 'price_pro_monthly' }], success_url: 'http://x', subscription_data: { metadata: { plan: 'pro' } } });
  const done = e.completeCheckout(s.id);
  const sub = e.store.subscription(done.subscription as string);
  e.store.updateSubscription(sub.id, { items: [{ id: sub.items.data[0].id, price: 'price_team_monthly' }] });
  const res = await fetch(`${e.url}/v1/invoices/create_preview`, { method: 'POST', headers: { authorization: 'Bearer sk', 'content-type': 'application/x-www-form-urlencoded' }, body: `subscription=${sub.id}` });
  const preview = await res.json();
  const ev = e.store.events.find((x) => x.type === 'customer.subscription.updated')!;
  require('fs').writeFileSync('/tmp/emu/peek.json', JSON.stringify({ sub: e.store.subscription(sub.id), event: ev, preview }, null, 1));
  await e.close();
});
