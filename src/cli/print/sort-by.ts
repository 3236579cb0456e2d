import { evalJsonPath, parseJsonPath } from '../../util/jsonpath.js';
import { CliError } from '../cli-error.js';

// `get --sort-by=PATH`: the objects (or a Table's rows, by their objects) in the order kubectl
// prints them. Pure.

/** --sort-by: kubectl's order (numbers by value, the rest as text, a missing field first); stable. */
export function sortedBy<T>(items: T[], expr: string | undefined, objectOf: (item: T) => unknown): T[] {
  if (!expr) return items;
  let path: ReturnType<typeof parseJsonPath>;
  try {
    path = parseJsonPath(expr);
  } catch (err) {
    throw new CliError(`couldn't parse --sort-by ${expr}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const braced = expr.startsWith('{') ? expr : `{${expr}}`;
  const keyed = items.map((item, i) => ({ item, i, k: evalJsonPath(objectOf(item), path)[0] }));
  // kubectl's refusals: a field no object has (a typo), and lists or maps (no order).
  if (keyed.length && keyed.every((e) => e.k === undefined)) throw new CliError(`couldn't find any field with path "${braced}" in the list of objects`);
  if (keyed.some((e) => typeof e.k === 'object' && e.k !== null)) throw new CliError(`field ${braced} is an unsortable type (a list or map); sort by one of its fields`);
  return keyed
    .sort((a, b) => {
      if (a.k === undefined || b.k === undefined) return (a.k === undefined ? 0 : 1) - (b.k === undefined ? 0 : 1) || a.i - b.i;
      if (typeof a.k === 'number' && typeof b.k === 'number') return a.k - b.k || a.i - b.i;
      const x = typeof a.k === 'string' ? a.k : JSON.stringify(a.k);
      const y = typeof b.k === 'string' ? b.k : JSON.stringify(b.k);
      return (x < y ? -1 : x > y ? 1 : 0) || a.i - b.i;
    })
    .map((e) => e.item);
}
