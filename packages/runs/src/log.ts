/** The part of a pino logger the engine uses; Fastify's and the worker's loggers both fit. */
export interface Log {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
