// The page's one way to the API: every request and every event stream is made here, with the API key
// the person entered (a Bearer header for fetch; for EventSource, which cannot send headers, the
// `access_token` query parameter the API accepts on its event streams).
import { errorBodySchema } from '@lab/contracts';

const KEY_STORAGE = 'lab.apiKey';

/** The API key entered on this page, kept for this tab only (sessionStorage), or null. */
export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key === null || key.trim() === '') sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key.trim());
}

/** What `parse` is for the page: a Zod schema, kept structural so callers pass any of the contracts'. */
interface Schema<T> {
  parse(data: unknown): T;
}

export interface FieldError {
  /** As the API names it: `body.lambda`, `body.base.epochs`, `body.hiddenLayers[0]`. */
  path: string;
  message: string;
}

/** An answer in the API's error shape, or the API not answering at all (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body = errorBodySchema.safeParse(await response.json().catch(() => null));
  if (!body.success) return new ApiError(response.status, 'http_error', `The API answered ${response.status} ${response.statusText}`);
  const { code, message, details } = body.data.error;
  return new ApiError(response.status, code, message, details ?? []);
}

async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  const key = apiKey();
  if (key !== null) headers.authorization = `Bearer ${key}`;
  // A POST without a body (cancel) must not claim to be JSON: the API rejects an empty JSON body.
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  } catch (cause) {
    throw new ApiError(0, 'unreachable', `The API could not be reached (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson<T>(path: string, schema: Schema<T>): Promise<T> {
  return schema.parse(await (await send('GET', path)).json());
}

export async function postJson<T>(path: string, body: unknown, schema: Schema<T>): Promise<T> {
  return schema.parse(await (await send('POST', path, body)).json());
}

export async function getText(path: string): Promise<string> {
  return (await send('GET', path)).text();
}

/** Opens an event stream; the browser resumes it with `Last-Event-ID` after a dropped connection. */
export function openEventStream(path: string): EventSource {
  const url = new URL(path, window.location.origin);
  const key = apiKey();
  if (key !== null) url.searchParams.set('access_token', key);
  return new EventSource(url);
}
