// Keys that come from a request are data, never the object model: `constructor`, `toString`,
// `__proto__` or `prototype` are ordinary field names to the API (as they are to Go's JSON). Every
// lookup of a request-supplied key goes through hasOwn/getOwn (so inherited members of
// Object.prototype are never mistaken for fields), and every write through setOwn (a defined data
// property, so `__proto__` can never replace an object's prototype).

export function hasOwn(o: object | undefined | null, key: string): boolean {
  return o !== undefined && o !== null && Object.hasOwn(o, key);
}

/** The object's own value under `key`; undefined for an inherited member. */
export function getOwn<T = unknown>(o: Record<string, T> | undefined | null, key: string): T | undefined {
  return hasOwn(o, key) ? o![key] : undefined;
}

/** Sets `key` as an own enumerable data property, whatever the key is. */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}
