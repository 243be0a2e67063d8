import { EventEmitter } from 'node:events';
import pg from 'pg';
import { RUN_EVENTS_CHANNEL, runEventSchema, type RunEvent } from '@lab/contracts';
import type { Prisma, PrismaClient } from '@lab/db';
import type { Log } from './log.ts';

/** The events each open transaction has published, for the process that committed it. */
const publishedIn = new WeakMap<Prisma.TransactionClient, RunEvent[]>();

/**
 * Publishes a lifecycle event inside the transaction that made the change: Postgres delivers it on
 * commit and drops it on rollback, so listeners hear of exactly what became readable.
 */
export async function publish(tx: Prisma.TransactionClient, event: RunEvent): Promise<void> {
  publishedIn.get(tx)?.push(event);
  await tx.$executeRaw`SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${JSON.stringify(event)})`;
}

/**
 * Runs `work` in a transaction and returns, once it has committed, the events it published: the
 * process that made a change knows of it at once, before Postgres delivers the notification.
 */
export async function transactionWithEvents<Result>(
  prisma: PrismaClient,
  work: (tx: Prisma.TransactionClient) => Promise<Result>,
  options?: { timeout?: number },
): Promise<{ result: Result; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const result = await prisma.$transaction(async (tx) => {
    publishedIn.set(tx, events);
    return work(tx);
  }, options);
  return { result, events };
}

/** A change run in a transaction whose committed events the engine announces (see RunEngine.commit). */
export type Commit = <Result>(work: (tx: Prisma.TransactionClient) => Promise<Result>, options?: { timeout?: number }) => Promise<Result>;

/** Waits between reconnects, doubling up to the last. */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

export interface RunEventListenerEvents {
  /** One lifecycle event, validated. */
  event: [RunEvent];
  /**
   * Listening (re)started: events published while it was not listening are lost, so anyone who
   * follows runs reads their current state again.
   */
  listening: [];
}

/**
 * One LISTEN connection per process, shared by everything in it that follows runs (event streams,
 * cancellation of the runs a worker trains). Reconnects by itself until closed.
 */
export class RunEventListener extends EventEmitter<RunEventListenerEvents> {
  private client: pg.Client | null = null;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Log,
  ) {
    super();
    // Many streams subscribe; each unsubscribes when it ends.
    this.setMaxListeners(0);
    this.ready = this.connect();
  }

  /** Resolves once the first LISTEN is in place (or the first attempt failed; it keeps retrying). */
  whenListening(): Promise<void> {
    return this.ready;
  }

  get isListening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => this.deliver(message.payload));
    const lost = (error?: Error) => {
      if (this.client === client) this.client = null;
      client.removeAllListeners('end');
      void client.end().catch(() => {});
      if (!this.closed) {
        this.log.warn({ err: error }, 'lost the run-event connection; reconnecting');
        this.scheduleReconnect();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(RUN_EVENTS_CHANNEL)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      if (!this.closed) {
        this.log.warn({ err: error }, 'could not listen for run events; retrying');
        this.scheduleReconnect();
      }
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    this.emit('listening');
  }

  private scheduleReconnect(): void {
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures, RECONNECT_DELAYS_MS.length - 1)]!;
    this.failures++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private deliver(payload: string | undefined): void {
    let event: RunEvent;
    try {
      event = runEventSchema.parse(JSON.parse(payload ?? ''));
    } catch (error) {
      this.log.error({ err: error }, 'ignored a malformed run event');
      return;
    }
    this.emit('event', event);
  }

  /** Stops listening for good. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client !== null) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
