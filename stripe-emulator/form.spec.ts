import { parseForm } from './form.js';

describe('parseForm', () => {
  it('reads nested objects and arrays the way the Stripe SDK encodes them', () => {
    const body =
      'mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=1&metadata[userId]=u%201&expand[0]=subscription&expand[1]=line_items&success_url=http%3A%2F%2Fx%2Fs%3Fid%3D%7BCHECKOUT_SESSION_ID%7D';
    expect(parseForm(body)).toEqual({
      mode: 'subscription',
      line_items: [{ price: 'price_1', quantity: '1' }],
      metadata: { userId: 'u 1' },
      expand: ['subscription', 'line_items'],
      success_url: 'http://x/s?id={CHECKOUT_SESSION_ID}',
    });
  });

  it('reads Stripe range filters', () => {
    expect(parseForm('created[gte]=10&types[0]=a&types[1]=b&delivery_success=false')).toEqual({ created: { gte: '10' }, types: ['a', 'b'], delivery_success: 'false' });
  });
});
