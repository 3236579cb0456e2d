import { humanDuration } from '../../util/human-duration.js';

/** An age as kubectl prints it ("5m10s"), from an RFC 3339 time. */
export function humanAge(now: Date, iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}
