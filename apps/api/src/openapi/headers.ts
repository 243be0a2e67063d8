/**
 * The response headers the API sends, as the OpenAPI document describes them. @fastify/swagger turns
 * each entry (a JSON schema with a description) into a Header Object.
 */
export interface HeaderDoc {
  type: 'string' | 'integer';
  description: string;
  enum?: readonly string[];
}

export const REQUEST_ID: HeaderDoc = {
  type: 'string',
  description: "This request's id: the caller's X-Request-Id when it sent a plausible one, else a fresh UUID; it labels the request's log lines",
};

export const ETAG: HeaderDoc = {
  type: 'string',
  description: "The resource's version; send it back as If-None-Match to get 304 while it is unchanged",
};

export const CACHE_CONTROL: HeaderDoc = {
  type: 'string',
  enum: ['no-cache'],
  description: 'Keep the copy, but revalidate it (If-None-Match) before every use',
};

export const LOCATION: HeaderDoc = { type: 'string', description: "The created resource's URL, relative to the server" };

export const IDEMPOTENT_REPLAYED: HeaderDoc = {
  type: 'string',
  enum: ['true'],
  description: 'Present when the answer replays what an earlier request with the same Idempotency-Key created',
};

export const RETRY_AFTER: HeaderDoc = { type: 'integer', description: 'Seconds to wait before retrying' };

export const WWW_AUTHENTICATE: HeaderDoc = { type: 'string', description: 'The scheme to authenticate with: `Bearer realm="lab"`' };

/**
 * What the per-key rate limit reports on each answer it counted (the IETF draft's RateLimit fields);
 * absent while Redis is away, when requests are not counted.
 */
export const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { type: 'integer', description: 'Requests this key may make per window' },
  'RateLimit-Remaining': { type: 'integer', description: 'Requests this key has left in the current window' },
  'RateLimit-Reset': { type: 'integer', description: 'Seconds until the current window ends' },
} as const satisfies Record<string, HeaderDoc>;

/** What every answer to a conditional GET (one that may answer 304) carries with its 200. */
export const VERSIONED_HEADERS = { ETag: ETAG, 'Cache-Control': CACHE_CONTROL } as const;
