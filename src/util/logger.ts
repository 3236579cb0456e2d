import { pino, type Logger } from 'pino';

export type { Logger };

// One root logger per process. Pretty on a TTY, JSON otherwise; level from OKUBE_LOG_LEVEL
// (tests default to silent so their output stays readable).
function defaultLevel(): string {
  if (process.env.OKUBE_LOG_LEVEL) return process.env.OKUBE_LOG_LEVEL;
  return process.env.NODE_ENV === 'test' ? 'silent' : 'info';
}

export const rootLogger: Logger = pino({
  level: defaultLevel(),
  base: { pid: process.pid },
  ...(process.stdout.isTTY && process.env.OKUBE_LOG_FORMAT !== 'json'
    ? { transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } }
    : {}),
});

/** A child logger that stamps every line with the component and, when given, the resource key. */
export function loggerFor(component: string, key?: string): Logger {
  return rootLogger.child(key ? { component, key } : { component });
}
