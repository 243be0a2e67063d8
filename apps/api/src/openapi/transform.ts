import { STATUS_CODES } from 'node:http';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { REQUEST_ID, type HeaderDoc } from './headers.ts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A response written with responseOf: its headers, and whether it has a body. */
function documented(response: unknown): { headers: Readonly<Record<string, HeaderDoc>>; bodyless: boolean; description?: string } {
  if (!isObject(response) || !isObject(response.content)) return { headers: {}, bodyless: false };
  return {
    headers: isObject(response.headers) ? (response.headers as Record<string, HeaderDoc>) : {},
    bodyless: Object.keys(response.content).length === 0,
    ...(typeof response.description === 'string' ? { description: response.description } : {}),
  };
}

/**
 * The route transform: fastify-type-provider-zod's (Zod → JSON Schema, registered schemas as
 * `$ref`s), then what it leaves out: each response's headers (X-Request-Id on all of them, set by
 * the request-id plugin for every answer), a bodyless response (304) without content, and the
 * If-None-Match parameter of a route that can answer 304.
 */
export const openapiRouteTransform: SwaggerTransform = (input) => {
  const output = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]) as { schema: Json; url: string };
  const given = isObject(input.schema?.response) ? input.schema.response : {};
  const responses = isObject(output.schema.response) ? output.schema.response : {};
  for (const [status, response] of Object.entries(responses)) {
    const { headers, bodyless, description } = documented(given[status]);
    // A JSON Schema of type null is how @fastify/swagger is told that a response has no content.
    const target = bodyless ? { type: 'null', description } : (response as Json);
    target.headers = { 'X-Request-Id': REQUEST_ID, ...headers };
    responses[status] = target;
  }
  if ('304' in responses) {
    const headers = isObject(output.schema.headers) ? output.schema.headers : { type: 'object', properties: {} };
    (headers.properties as Json)['if-none-match'] = {
      type: 'string',
      description: 'An ETag this client holds: 304 without a body while it is still current',
    };
    output.schema.headers = headers;
  }
  return output;
};

/** Every `#/components/schemas/…` name that `value` refers to. */
function referencedSchemas(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencedSchemas(item, into);
  else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) into.add(child.slice('#/components/schemas/'.length));
      else referencedSchemas(child, into);
    }
  }
  return into;
}

const SCHEMA_REF = '#/components/schemas/';

/** `value` with every schema `$ref` to a key of `renames` pointing to its new name. */
function renamed<T>(value: T, renames: ReadonlyMap<string, string>): T {
  return JSON.parse(JSON.stringify(value), (key, ref: unknown) => {
    if (key !== '$ref' || typeof ref !== 'string' || !ref.startsWith(SCHEMA_REF)) return ref;
    const name = renames.get(ref.slice(SCHEMA_REF.length));
    return name === undefined ? ref : `${SCHEMA_REF}${name}`;
  }) as T;
}

/**
 * Which `…Input` components can go by their plain name: an input whose output twin is unused, or is
 * the same schema (an enum, a schema without defaults). Repeated until nothing changes, since an input
 * can differ from its twin only by naming other inputs.
 */
function inputRenames(used: ReadonlySet<string>, schemas: Readonly<Record<string, unknown>>): Map<string, string> {
  const renames = new Map<string, string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of used) {
      const plain = name.replace(/Input$/, '');
      if (plain === name || renames.has(name)) continue;
      if (!used.has(plain) || JSON.stringify(renamed(schemas[name], renames)) === JSON.stringify(renamed(schemas[plain], renames))) {
        renames.set(name, plain);
        changed = true;
      }
    }
  }
  return renames;
}

type Response = { headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown }> };
type Operation = { responses?: Record<string, Response> };

const operationsOf = (paths: Record<string, Record<string, Operation>>): Operation[] => Object.values(paths).flatMap((methods) => Object.values(methods));

/**
 * Error answers documented alike by every operation that has them become
 * `#/components/responses/<status text>` references (`BadRequest`, `ServiceUnavailable`, …).
 */
function shareErrorResponses(paths: Record<string, Record<string, Operation>>): Record<string, unknown> {
  const variants = new Map<string, Set<string>>();
  for (const operation of operationsOf(paths)) {
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      variants.set(status, (variants.get(status) ?? new Set()).add(JSON.stringify(response)));
    }
  }
  const shared = new Map<string, { name: string; response: Response }>();
  for (const [status, seen] of variants) {
    const response = JSON.parse([...seen][0]!) as Response;
    const isError = JSON.stringify(response.content?.['application/json']?.schema) === JSON.stringify({ $ref: `${SCHEMA_REF}Error` });
    if (seen.size === 1 && isError) shared.set(status, { name: (STATUS_CODES[Number(status)] ?? status).replace(/[^A-Za-z]/g, ''), response });
  }
  for (const operation of operationsOf(paths)) {
    for (const status of Object.keys(operation.responses ?? {})) {
      const name = shared.get(status)?.name;
      if (name !== undefined) (operation.responses![status] as unknown) = { $ref: `#/components/responses/${name}` };
    }
  }
  return Object.fromEntries([...shared.values()].map(({ name, response }) => [name, response]).sort(([a], [b]) => String(a).localeCompare(String(b))));
}

/** Response headers documented alike everywhere become `#/components/headers/<name>` references. */
function shareHeaders(paths: Record<string, Record<string, Operation>>): Record<string, unknown> {
  const all = operationsOf(paths).flatMap((operation) => Object.values(operation.responses ?? {}));
  const variants = new Map<string, Set<string>>();
  for (const response of all) {
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      variants.set(name, (variants.get(name) ?? new Set()).add(JSON.stringify(header)));
    }
  }
  const shared = Object.fromEntries([...variants].filter(([, seen]) => seen.size === 1).map(([name, seen]) => [name, JSON.parse([...seen][0]!) as unknown]));
  for (const response of all) {
    for (const name of Object.keys(response.headers ?? {})) {
      if (name in shared) response.headers![name] = { $ref: `#/components/headers/${name}` };
    }
  }
  return Object.fromEntries(Object.entries(shared).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The document transform: the registered Zod schemas as components (fastify-type-provider-zod makes an
 * input and an output version of each, the input named `…Input`), of which only those the operations
 * use, directly or through another; an input goes by its plain name where that is unambiguous (a
 * request body is `SweepRequest`, not `SweepRequestInput`). Headers, then error answers, documented
 * alike everywhere are shared components.
 */
export const openapiDocumentTransform: SwaggerTransformObject = (input) => {
  type Document = Json & { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; headers?: unknown; responses?: unknown } };
  const document = jsonSchemaTransformObject(input) as Document;
  const all = document.components.schemas;
  const used = referencedSchemas(document.paths, new Set());
  for (let grown = true; grown; ) {
    const before = used.size;
    for (const name of [...used]) referencedSchemas(all[name], used);
    grown = used.size > before;
  }
  const renames = inputRenames(used, all);
  const schemas: Record<string, unknown> = {};
  for (const name of [...used].sort()) schemas[renames.get(name) ?? name] ??= all[name];
  const result = renamed({ ...document, components: { ...document.components, schemas: sortedKeys(schemas) } }, renames);
  result.components.headers = shareHeaders(result.paths);
  result.components.responses = shareErrorResponses(result.paths);
  return result as unknown as ReturnType<SwaggerTransformObject>;
};

const sortedKeys = (record: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
