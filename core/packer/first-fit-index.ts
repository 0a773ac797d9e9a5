/**
 * An index over open bins that answers "the lowest-numbered bin with room for
 * this item in every dimension" in about O(d log m) time: a segment tree whose
 * nodes hold, per dimension, the largest residual capacity below them. A
 * subtree is skipped when some dimension's largest residual is too small; in
 * one dimension that is exact, in several it is a filter (the per-dimension
 * maxima may come from different bins), so the search may back-track.
 */
export class FirstFitIndex {
  private readonly dims: number;
  private readonly leaves: number;
  /** Per node, per dimension: the largest residual in the subtree (row-major). */
  private readonly tree: Float64Array;

  /** An index for up to `maxBins` bins of the given capacity. */
  constructor(capacity: Float64Array, maxBins: number) {
    this.dims = capacity.length;
    let leaves = 1;
    while (leaves < Math.max(1, maxBins)) leaves *= 2;
    this.leaves = leaves;
    // Unopened bins are empty: their residual is the full capacity, so "first
    // bin that fits" naturally falls through to the next unopened bin.
    this.tree = new Float64Array(2 * leaves * this.dims);
    for (let node = 1; node < 2 * leaves; node++) this.tree.set(capacity, node * this.dims);
  }

  /** The lowest-numbered bin where `size[offset..offset+d)` fits (an unopened bin if no open one has room), or −1 if none of the `maxBins` bins has room. */
  find(size: Float64Array, offset: number): number {
    const { dims, tree } = this;
    let node = 1;
    for (let d = 0; d < dims; d++) if (tree[dims + d]! < size[offset + d]!) return -1;
    // Depth-first, left child first, skipping subtrees that cannot hold the item.
    const stack: number[] = [];
    for (;;) {
      if (node >= this.leaves) return node - this.leaves;
      const left = 2 * node;
      const right = left + 1;
      let leftOk = true;
      for (let d = 0; d < dims; d++) {
        if (tree[left * dims + d]! < size[offset + d]!) {
          leftOk = false;
          break;
        }
      }
      let rightOk = true;
      for (let d = 0; d < dims; d++) {
        if (tree[right * dims + d]! < size[offset + d]!) {
          rightOk = false;
          break;
        }
      }
      if (leftOk) {
        if (rightOk) stack.push(right);
        node = left;
      } else if (rightOk) {
        node = right;
      } else {
        const next = stack.pop();
        if (next === undefined) return -1;
        node = next;
      }
    }
  }

  /** Subtracts `size[offset..offset+d)` from bin `bin`'s residual. */
  add(bin: number, size: Float64Array, offset: number): void {
    const { dims, tree } = this;
    let node = bin + this.leaves;
    for (let d = 0; d < dims; d++) tree[node * dims + d] = tree[node * dims + d]! - size[offset + d]!;
    node >>= 1;
    while (node >= 1) {
      const l = 2 * node * dims;
      const r = l + dims;
      for (let d = 0; d < dims; d++) {
        const a = tree[l + d]!;
        const b = tree[r + d]!;
        tree[node * dims + d] = a > b ? a : b;
      }
      node >>= 1;
    }
  }
}
