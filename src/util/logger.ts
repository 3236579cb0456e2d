import { pino, destination, type Logger } from 'pino';

export type { Logger };

// One root logger per process. Pretty on a TTY, JSON otherwise; level from OKUBE_LOG_LEVEL
// (tests default to silent so their output stays readable).
function defaultLevel(): string {
  if (process.env.OKUBE_LOG_LEVEL) return process.env.OKUBE_LOG_LEVEL;
  return process.env.NODE_ENV === 'test' ? 'silent' : 'info';
}

// Logs go to stderr, like Kubernetes components: stdout stays for what a command prints.
const pretty = process.stderr.isTTY && process.env.OKUBE_LOG_FORMAT !== 'json';
export const rootLogger: Logger = pretty
  ? pino({ level: defaultLevel(), base: { pid: process.pid }, transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } })
  : pino({ level: defaultLevel(), base: { pid: process.pid } }, destination(2));

/** A child logger that stamps every line with the component and, when given, the resource key. */
export function loggerFor(component: string, key?: string): Logger {
  return rootLogger.child(key ? { component, key } : { component });
}
