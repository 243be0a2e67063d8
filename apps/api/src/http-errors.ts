import { errorBodySchema, type ErrorBody } from '@lab/contracts';

type ErrorDetail = NonNullable<ErrorBody['error']['details']>[number];

/** An error a route throws on purpose: its status, code and message reach the client as they are. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);

export const conflict = (message: string): HttpError => new HttpError(409, 'conflict', message);

export const serviceUnavailable = (message: string): HttpError =>
  new HttpError(503, 'service_unavailable', message);

export const errorBody = (code: string, message: string, details?: ErrorDetail[]): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** Response schemas for the error codes a route can answer with: all share `errorBodySchema`. */
export function errorResponses<const Codes extends readonly number[]>(
  ...codes: Codes
): { [Code in Codes[number]]: typeof errorBodySchema } {
  return Object.fromEntries(codes.map((code) => [code, errorBodySchema])) as {
    [Code in Codes[number]]: typeof errorBodySchema;
  };
}
