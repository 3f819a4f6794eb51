/**
 * Group commit: at most `concurrency` transactions run at once; deliveries that arrive while they do wait, and the
 * next transaction takes all that waited (up to `maxBatch`, never two that share a key). Nothing waits for a
 * timer: a delivery that finds no transaction running starts at once, alone, so a quiet service answers as fast as
 * before, and a busy one spends one commit, and one round trip per statement, on several events. A transaction
 * beside one already running starts only when `minBatchBeside` deliveries wait: a small second one costs nearly
 * what a lone delivery costs, while those few, waiting for the running one to end, join the next larger group.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private running = 0;

  constructor(
    private readonly options: {
      concurrency: number;
      maxBatch: number;
      /** deliveries that must wait before a transaction starts beside a running one (1: as soon as one waits) */
      minBatchBeside: number;
      /** what must not occur twice in one group (an event id, a session id) */
      keys: (item: T) => string[];
      /** runs one group; answers one result per item, in order */
      run: (items: T[]) => Promise<R[]>;
    },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.waiting.length >= (this.running === 0 ? 1 : this.options.minBatchBeside)) {
      const group = this.take();
      this.running++;
      void this.options
        .run(group.map((w) => w.item))
        .then(
          (results) => group.forEach((w, i) => w.resolve(results[i])),
          (error: unknown) => group.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  /** The oldest waiting items that fit one group; the rest keep their place in the queue. */
  private take(): typeof this.waiting {
    const taken: typeof this.waiting = [];
    const left: typeof this.waiting = [];
    const seen = new Set<string>();
    for (const waiting of this.waiting) {
      const keys = this.options.keys(waiting.item);
      if (taken.length < this.options.maxBatch && !keys.some((key) => seen.has(key))) {
        taken.push(waiting);
        for (const key of keys) seen.add(key);
      } else {
        left.push(waiting);
      }
    }
    this.waiting.splice(0, this.waiting.length, ...left);
    return taken;
  }
}
