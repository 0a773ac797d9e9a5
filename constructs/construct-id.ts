/**
 * Construct ids made from names (teams, models) that users choose.
 */

/**
 * A construct id for `name`: the name itself, except for a name that is also
 * a member of every object ("constructor", a valid DNS label), which the
 * `constructs` library's child table would take for an existing child.
 * Object names never derive from these ids, so this changes no output.
 */
export function safeId(name: string): string {
  return name in Object.prototype ? `${name}_` : name;
}
