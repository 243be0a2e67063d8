import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ServerSentEvent {
  event: string;
  id: string | undefined;
  data: unknown;
}

/** A Server-Sent Events client over a plain HTTP request, as an EventSource reads a stream. */
export interface StreamReader {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: ServerSentEvent[];
  readonly comments: string[];
  /** Resolves when the server has ended the stream. */
  readonly ended: Promise<void>;
  /** Waits until `count` events have arrived (or the stream ends first, which fails). */
  waitForEvents(count: number, timeoutMs?: number): Promise<ServerSentEvent[]>;
  close(): void;
}

/** Where an app listens (it must be listening, e.g. on port 0). */
export const baseUrlOf = (app: FastifyInstance): string => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

export function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamReader> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, headers: { accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (response) => {
      const events: ServerSentEvent[] = [];
      const comments: string[] = [];
      const waiters: Array<() => void> = [];
      let buffer = '';
      let finished = false;
      const notify = () => waiters.splice(0).forEach((wake) => wake());
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = frame.split('\n');
          if (fields.every((line) => line.startsWith(':'))) comments.push(...fields.map((line) => line.slice(1).trim()));
          const field = (name: string) => fields.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data !== undefined) events.push({ event: field('event') ?? 'message', id: field('id'), data: JSON.parse(data) });
        }
        notify();
      });
      const ended = new Promise<void>((done) =>
        response.on('close', () => {
          finished = true;
          notify();
          done();
        }),
      );
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments,
        ended,
        async waitForEvents(count, timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (events.length < count) {
            if (finished) throw new Error(`the stream ended after ${events.length} of ${count} events`);
            if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} events within ${timeoutMs} ms`);
            await new Promise<void>((wake) => {
              waiters.push(wake);
              setTimeout(wake, 50);
            });
          }
          return events.slice(0, count);
        },
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}
