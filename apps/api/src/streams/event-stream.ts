import type { ServerResponse } from 'node:http';

export interface EventStreamOptions {
  /** A comment line at least this often, so proxies and clients know the stream is alive. */
  heartbeatMs: number;
  /**
   * Bytes a client may leave unread before it is cut off. It then reconnects with Last-Event-ID and
   * is replayed from Postgres: a slow reader costs the server at most this much memory.
   */
  maxBufferedBytes: number;
  /** How long a client waits before reconnecting, sent as the stream's `retry:`. */
  retryMs: number;
}

/** A replay that the client has not read a quarter of the bound of within this gives up (the client resumes later). */
const DRAIN_TIMEOUT_MS = 30_000;

/** One Server-Sent Events response: frames written as they come, a heartbeat, a bound on what piles up. */
export class EventStream {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  /** `headers`: what the app's hooks already set for this response (CORS, request id, security). */
  constructor(
    private readonly response: ServerResponse,
    private readonly options: EventStreamOptions,
    headers: Record<string, string | number | string[] | undefined> = {},
  ) {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) response.setHeader(name, value);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Proxies that buffer responses (nginx) would hold events back.
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${options.retryMs}\n\n`);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), options.heartbeatMs);
    response.on('close', () => this.close());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends one event; `id` (when given) is what the client resumes from. */
  send(event: string, data: unknown, id?: number): void {
    this.sendJson(event, JSON.stringify(data), id);
  }

  /** Sends one event whose data is already JSON text (one line). */
  sendJson(event: string, json: string, id?: number): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`);
  }

  /**
   * Waits until the client has read what is pending, once a quarter of the bound is: a replay (a
   * sweep's can be megabytes) goes at the client's pace instead of piling up past the bound.
   */
  async paced(): Promise<void> {
    if (this.closed || this.response.writableLength < this.options.maxBufferedBytes / 4) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.response.off('drain', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.close();
        done();
      }, DRAIN_TIMEOUT_MS);
      this.response.once('drain', done);
      this.onClose(done);
    });
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the stream (after a final status, at shutdown, or when the client left). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.response.end();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private write(frame: string): void {
    if (this.closed) return;
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.response.destroy();
      this.close();
      return;
    }
    this.response.write(frame);
  }
}
