/**
 * Locale-independent ordering, so output is byte-identical on every machine
 * (`localeCompare` depends on the ICU data and locale of the machine).
 */

/** Compares strings by UTF-16 code units. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator ordering items by the string `key` returns. */
export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareStrings(key(a), key(b));
}
