import type { FastifyReply, FastifyRequest } from 'fastify';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Whether `If-None-Match` names `etag` (a list, `*`, weak or strong forms all count). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strong = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === strong;
  });
}

/**
 * Answers a GET of a resource whose current version is known: 304 when the client holds that version
 * (no body, and nothing computed), else 200 with the body `render` makes. `Cache-Control: no-cache`:
 * a client keeps the copy but asks every time, which is what a polling dashboard wants.
 */
export async function sendVersioned(
  request: FastifyRequest,
  reply: FastifyReply,
  etag: string,
  render: () => Promise<{ body: string | Buffer; type: string }> | { body: string | Buffer; type: string },
): Promise<FastifyReply> {
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  const { body, type } = await render();
  return reply.type(type).send(body);
}
