import type { Prisma } from './generated/client.ts';

/**
 * A value as a Json column input. Prisma's input type rejects `undefined` members and class
 * instances; a JSON round trip yields exactly what will be stored (and read back) as plain JSON.
 */
export function toJsonInput(value: unknown): Prisma.InputJsonValue {
  const json = JSON.stringify(value);
  if (json === undefined || json === 'null') throw new TypeError('a Json column needs a JSON value other than null');
  return JSON.parse(json);
}

/** Bytes column inputs must be backed by a plain ArrayBuffer (not a SharedArrayBuffer). */
export function toBytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** Error messages come from anywhere (stack traces, driver errors): keep what is stored bounded. */
export const MAX_ERROR_MESSAGE_LENGTH = 4_000;
export const boundedMessage = (message: string): string =>
  message.length <= MAX_ERROR_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…`;
