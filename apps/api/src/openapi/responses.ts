import type { z } from 'zod';
import { VERSIONED_HEADERS, type HeaderDoc } from './headers.ts';

/**
 * A route's response in the form Fastify and fastify-type-provider-zod both read (a schema per media
 * type), plus its headers, which the provider leaves out and openapiRouteTransform puts back.
 */
export interface DocumentedResponse<Content extends Record<string, { schema: z.ZodType }>> {
  description: string;
  headers?: Readonly<Record<string, HeaderDoc>>;
  content: Content;
}

export const JSON_MEDIA_TYPE = 'application/json';

/** A response body of one media type (JSON unless named), with its headers. */
export function responseOf<Schema extends z.ZodType, Type extends string = typeof JSON_MEDIA_TYPE>(
  schema: Schema,
  description: string,
  options: { headers?: Readonly<Record<string, HeaderDoc>>; type?: Type } = {},
): DocumentedResponse<{ [K in Type]: { schema: Schema } }> {
  const type = options.type ?? JSON_MEDIA_TYPE;
  return {
    description,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    content: { [type]: { schema } } as { [K in Type]: { schema: Schema } },
  };
}

/**
 * The two answers of a conditional GET (see sendVersioned): 200 with the body, its ETag and
 * `Cache-Control: no-cache`, or 304 without a body when If-None-Match names the current ETag.
 */
export function versionedResponses<Schema extends z.ZodType, Type extends string = typeof JSON_MEDIA_TYPE>(
  schema: Schema,
  description: string,
  type?: Type,
) {
  return {
    200: responseOf(schema, description, { headers: VERSIONED_HEADERS, ...(type === undefined ? {} : { type }) }),
    304: NOT_MODIFIED,
  };
}

/** No body: openapiRouteTransform documents a response whose content is empty as having none. */
export const NOT_MODIFIED: DocumentedResponse<Record<never, never>> = {
  description: 'Not Modified: If-None-Match names the current ETag; no body',
  headers: VERSIONED_HEADERS,
  content: {},
};
