/**
 * The benchmark's own feasibility check of a packing, independent of the
 * engine's internal bookkeeping.
 */

/**
 * Checks that `assignment` packs every item exactly once into bins
 * 0 … `bins` − 1, that no bin is empty and that no bin exceeds the capacity
 * in any dimension (every bin re-summed from scratch).
 *
 * @returns a reason when the packing is invalid, `undefined` when it is feasible
 */
export function verifyPacking(capacity: readonly number[], items: readonly (readonly number[])[], bins: number, assignment: readonly number[]): string | undefined {
  if (assignment.length !== items.length) return `assignment has ${assignment.length} entries for ${items.length} items`;
  const loads = Array.from({ length: bins }, () => capacity.map(() => 0));
  const used = new Array<boolean>(bins).fill(false);
  for (let i = 0; i < items.length; i++) {
    const b = assignment[i]!;
    if (!Number.isInteger(b) || b < 0 || b >= bins) return `item ${i} in bin ${b} of ${bins}`;
    const item = items[i]!;
    if (item.length !== capacity.length) return `item ${i} has ${item.length} dimensions, the capacity ${capacity.length}`;
    used[b] = true;
    item.forEach((s, d) => (loads[b]![d]! += s));
  }
  for (let b = 0; b < bins; b++) {
    if (!used[b]) return `bin ${b} is empty`;
    for (let d = 0; d < capacity.length; d++) if (loads[b]![d]! > capacity[d]!) return `bin ${b} exceeds capacity in dimension ${d}: ${loads[b]![d]} > ${capacity[d]}`;
  }
  return undefined;
}
