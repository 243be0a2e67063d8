import { pino, type Logger } from 'pino';
import type { LogLevel } from '@lab/contracts';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'worker', level });
}
