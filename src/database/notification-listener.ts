import pg from 'pg';

/** How long to wait before connecting again after the listening connection failed or was lost. */
const RETRY_MS = 1000;

export interface NotificationListenerOptions {
  /** what `new pg.Client` needs to connect (see `pgConnectionOf`) */
  connection: pg.ClientConfig;
  channel: string;
  /** a notification on the channel, with its payload */
  onNotify(payload: string): void;
  /**
   * The connection started listening (`true`) or stopped (`false`). Either way notifications may have been missed,
   * so whatever the owner learnt before may be stale.
   */
  onReset(listening: boolean): void;
  warn(message: string): void;
}

/**
 * One connection of its own that LISTENs on one channel (a pooled connection cannot: the pool lends it to others and
 * may close it), reconnecting after a loss. PostgreSQL delivers a notification to every listening connection when
 * the transaction that sent it commits, never when it rolls back; while this connection is down nothing reaches it,
 * which `listening` and `onReset` tell the owner.
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: NotificationListenerOptions) {}

  get listening(): boolean {
    return this.client !== null;
  }

  /** Connects and listens; a failure is logged and retried in the background (the owner works without it meanwhile). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retry = null;
    // keepAlive: a connection that silently died (a network partition) is found out by the kernel and ends
    const client = new pg.Client({ ...this.options.connection, keepAlive: true, application_name: 'stripe-checkout-service:listen' });
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotify(message.payload ?? '');
    });
    // unheard, an 'error' would end the process; a connection being set up fails through connect() instead
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.warn(`cannot listen on ${this.options.channel} (${(error as Error).message}); retrying in ${RETRY_MS / 1000} s`);
      this.retry = setTimeout(() => void this.connect(), RETRY_MS);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.onReset(true);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.options.onReset(false);
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.options.warn(`lost the connection listening on ${this.options.channel}; reconnecting in ${RETRY_MS / 1000} s`);
    this.retry = setTimeout(() => void this.connect(), RETRY_MS);
  }
}
