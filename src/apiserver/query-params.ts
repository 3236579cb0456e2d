import { badRequest } from './status.js';

// Boolean and integer query parameters, read exactly the way kube-apiserver reads them: its
// handlers decode the query into metav1 ListOptions/DeleteOptions/PatchOptions/... through the
// generated url.Values conversions, which call apimachinery's pkg/runtime/conversion.go.
//
// - Only the first value of a repeated parameter counts (`values[0]`).
// - Booleans (Convert_Slice_string_To_bool / _To_Pointer_bool) are lenient, NOT Go's
//   strconv.ParseBool: "0" and "false" in any letter case are false; every other value,
//   including "True", "yes" and the empty string ("?watch="), is true. So no boolean value is
//   ever rejected — the official Python client's `watch=True` is a watch.
// - Integers (Convert_Slice_string_To_int64 / _To_Pointer_int64) are strconv.ParseInt(s, 10, 64):
//   an optional sign then decimal digits, within int64; anything else, the empty string
//   included, fails the decode and kube-apiserver answers 400 BadRequest carrying the Go error
//   text. okube keeps that text and names the parameter in front of it.

/** A boolean query parameter: undefined when absent (the Pointer_bool `nil`). */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64) error text for s, or undefined when s parses. */
export function parseIntError(s: string): string | undefined {
  if (!/^[+-]?\d+$/.test(s)) return `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) return `strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`;
  return undefined;
}

/**
 * An int64 query parameter: undefined when absent. Values beyond 2^53 lose precision, which
 * no limit or number of seconds okube honours can notice.
 */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const err = parseIntError(v);
  if (err) throw badRequest(`invalid value for query parameter ${name}: ${err}`);
  return Number(v);
}
