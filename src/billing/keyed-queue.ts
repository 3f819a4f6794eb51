/** Why a queued task did not run: its key's queue was full, or its turn did not come within the wait bound. */
export class QueueRefusal extends Error {
  constructor(readonly reason: 'full' | 'timeout') {
    super(reason === 'full' ? 'the queue of this key is full' : 'the turn did not come in time');
    this.name = 'QueueRefusal';
  }
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

interface Lane {
  running: boolean;
  waiting: Waiter[];
}

/**
 * In-process FIFO per key: one task per key runs at a time, at most `maxWaiting` more wait behind it (one more is
 * refused at once with QueueRefusal('full')), and a waiter whose turn has not come after `waitMs` is refused with
 * QueueRefusal('timeout'). Waiting costs a timer and a closure, nothing else: no polling, no database.
 */
export class KeyedQueue {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly maxWaiting: number,
    private readonly waitMs: number,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.turn(key);
    try {
      return await task();
    } finally {
      this.next(key);
    }
  }

  /** Tasks of `key` running or waiting (for tests and metrics). */
  size(key: string): number {
    const lane = this.lanes.get(key);
    return lane ? lane.waiting.length + (lane.running ? 1 : 0) : 0;
  }

  private turn(key: string): Promise<void> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { running: false, waiting: [] };
      this.lanes.set(key, lane);
    }
    if (!lane.running) {
      lane.running = true;
      return Promise.resolve();
    }
    if (lane.waiting.length >= this.maxWaiting) return Promise.reject(new QueueRefusal('full'));
    const queue = lane.waiting;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(new QueueRefusal('timeout'));
        }, this.waitMs),
      };
      queue.push(waiter);
    });
  }

  /** The running task of `key` ended: the first waiter starts, or the lane is forgotten. */
  private next(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    const waiter = lane.waiting.shift();
    if (waiter) waiter.start();
    else this.lanes.delete(key);
  }
}
