import { LOG_LEVELS, type LogLevel } from '../util/logger.js';
import { badRequest } from './status.js';

// /debug/flags/v, as on kube-apiserver: PUT a klog verbosity to change how much the process logs
// without a restart. okube logs with pino levels, so verbosities map onto them (klog's usual
// reading: 0–3 normal operation, 4–5 debug, 6 and above every request detail); a level name
// (debug, info, …) is accepted as well.

export const DEBUG_FLAGS_V = '/debug/flags/v';

export function parseVerbosity(body: string): LogLevel {
  const v = body.trim();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 6 ? 'trace' : n >= 4 ? 'debug' : 'info';
  }
  const name = v.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(name)) return name as LogLevel;
  throw badRequest(`invalid verbosity ${JSON.stringify(v.slice(0, 40))}: expected a number (0-10) or one of ${LOG_LEVELS.join(', ')}`);
}
