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

// pino children copy their parent's level when created, so a level change at runtime has to
// reach every component logger made so far (held weakly: per-object loggers come and go).
const components = new Set<WeakRef<Logger>>();

/** A child logger that stamps every line with the component and, when given, the resource key. */
export function loggerFor(component: string, key?: string): Logger {
  const child = rootLogger.child(key ? { component, key } : { component });
  if (components.size >= 1024) for (const ref of components) if (!ref.deref()) components.delete(ref);
  components.add(new WeakRef(child));
  return child;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Changes the level of the whole process at runtime (the API server's /debug/flags/v). */
export function setLogLevel(level: LogLevel): void {
  rootLogger.level = level;
  for (const ref of components) {
    const l = ref.deref();
    if (l) l.level = level;
    else components.delete(ref);
  }
}

export function logLevel(): string {
  return rootLogger.level;
}
