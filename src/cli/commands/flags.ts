import { CliError } from '../cli-error.js';

// Flag values the way kubectl spells them.

export function parseBool(v: string | boolean | undefined): boolean {
  if (v === undefined || v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  throw new CliError(`invalid boolean value ${JSON.stringify(v)}: use true or false`);
}

/** Go-style durations (30s, 2m, 1h30m, 500ms) or plain seconds, in milliseconds. */
export function parseDuration(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  if (!consumed || consumed !== v.length) throw new CliError(`invalid duration ${JSON.stringify(v)}: use e.g. 30s, 2m or 1h`);
  return total;
}

/** A whole number, as kubectl's int flags take it (`--grace-period=-1`). */
export function parseInteger(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new CliError(`invalid argument ${JSON.stringify(v)}: must be a whole number`);
  return Number(v);
}

/** A repeatable option's collector: each use adds its value (`-f a -f b` → ['a', 'b']). */
export function repeatable(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}
