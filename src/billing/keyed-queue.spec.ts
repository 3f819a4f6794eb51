import { KeyedQueue, QueueRefusal } from './keyed-queue.js';

/** A task that runs until its `finish` is called. */
function gate(): { promise: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const promise = new Promise<void>((resolve) => (finish = resolve));
  return { promise, finish };
}

describe('KeyedQueue', () => {
  it('runs one task per key at a time, in arrival order, and other keys beside it', async () => {
    const queue = new KeyedQueue(5, 10_000);
    const order: string[] = [];
    const first = gate();
    const a1 = queue.run('a', async () => (order.push('a1'), first.promise));
    const a2 = queue.run('a', () => Promise.resolve(void order.push('a2')));
    const a3 = queue.run('a', () => Promise.resolve(void order.push('a3')));
    await queue.run('b', () => Promise.resolve(void order.push('b1')));
    expect(order).toEqual(['a1', 'b1']);
    expect(queue.size('a')).toBe(3);
    first.finish();
    await Promise.all([a1, a2, a3]);
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(queue.size('a')).toBe(0);
  });

  it('refuses at once beyond maxWaiting, and a failed task hands the turn on', async () => {
    const queue = new KeyedQueue(1, 10_000);
    const first = gate();
    const running = queue.run('a', async () => {
      await first.promise;
      throw new Error('boom');
    });
    const waiting = queue.run('a', () => Promise.resolve('second'));
    await expect(queue.run('a', () => Promise.resolve('third'))).rejects.toEqual(new QueueRefusal('full'));
    first.finish();
    await expect(running).rejects.toThrow('boom');
    await expect(waiting).resolves.toBe('second');
  });

  it('a waiter whose turn does not come within waitMs is refused and leaves the queue', async () => {
    const queue = new KeyedQueue(5, 20);
    const first = gate();
    const running = queue.run('a', () => first.promise);
    await expect(queue.run('a', () => Promise.resolve())).rejects.toEqual(new QueueRefusal('timeout'));
    expect(queue.size('a')).toBe(1);
    first.finish();
    await running;
    expect(queue.size('a')).toBe(0);
  });
});
