import pg from 'pg';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/** The channels migration 0005's triggers notify on commit (payload: a collection name, an API key id). */
export type ChangeChannel = 'slipway_collection_changed' | 'slipway_api_key_changed';
const CHANNELS: readonly ChangeChannel[] = ['slipway_collection_changed', 'slipway_api_key_changed'];

/** What an in-process cache needs of the listener to know whether it may trust what it holds. */
export interface ChangeFeed {
  /** True while notifications arrive: a cached value is then dropped at once when its row changes. */
  readonly listening: boolean;
  /**
   * Bumped every time listening stops. A value cached under an earlier epoch may have missed its
   * notification, so it is not trusted again.
   */
  readonly epoch: number;
  on(channel: ChangeChannel, handler: (payload: string) => void): void;
}

/**
 * One dedicated Postgres connection that LISTENs for the service's change notifications
 * (docs/adr/0015-in-process-caches-told-by-postgres.md). Postgres delivers a notification only when its
 * transaction commits, whoever the writer is. The connection is kept open in the background: while it is
 * down, `listening` is false and every cache that depends on it reads through to Postgres.
 */
export class ChangeListener implements ChangeFeed {
  private client?: pg.Client;
  private readonly handlers = new Map<ChangeChannel, ((payload: string) => void)[]>();
  private retryTimer?: NodeJS.Timeout;
  private closed = false;
  private failures = 0;
  listening = false;
  epoch = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly metrics?: Pick<Metrics, 'changeNotificationsListening'>,
  ) {}

  private setListening(listening: boolean): void {
    if (this.listening && !listening) this.epoch += 1;
    this.listening = listening;
    this.metrics?.changeNotificationsListening.set(listening ? 1 : 0);
  }

  on(channel: ChangeChannel, handler: (payload: string) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Connects and listens; resolves once listening or after `waitMs` (it keeps trying in the background). */
  async start(waitMs = 2000): Promise<void> {
    const connected = this.connect();
    await Promise.race([connected, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'slipway-listener',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    this.client = client;
    client.on('notification', (message) => this.deliver(message.channel, message.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of CHANNELS) await client.query(`LISTEN ${channel}`);
      if (this.closed || this.client !== client) return;
      this.setListening(true);
      if (this.failures > 0) this.logger.info('change notifications back: in-process caches trusted again');
      this.failures = 0;
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private deliver(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel as ChangeChannel) ?? []) handler(payload);
  }

  /** Stops trusting what was cached, drops the connection and tries again with a growing pause. */
  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return; // an earlier connection's late event
    this.client = undefined;
    this.setListening(false);
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (this.failures === 0) {
      this.logger.warn(
        { err: { message: error?.message ?? 'connection ended' } },
        'change notifications lost: in-process caches read through to Postgres until they are back',
      );
    }
    this.failures += 1;
    const pauseMs = Math.min(100 * 2 ** Math.min(this.failures, 5), 3000);
    this.retryTimer = setTimeout(() => void this.connect(), pauseMs);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.setListening(false);
    await client?.end().catch(() => undefined);
  }
}
