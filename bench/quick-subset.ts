/**
 * The representative subset `npm run bench:packing -- --quick` packs.
 */
import type { BenchmarkInstance } from './benchmark-instance.ts';

/**
 * Up to `perClass` instances of every class: among the smaller half of the
 * class (by item count, then name), evenly spaced picks from the smallest
 * up, so every class and more than one size of it is represented while the
 * largest instances are left out. Depends only on the instances, not on
 * their order.
 *
 * @param perClass - instances kept per class; @default 3
 */
export function quickSubset<T extends Pick<BenchmarkInstance, 'class' | 'name' | 'n_items'>>(instances: readonly T[], perClass = 3): T[] {
  const byClass = new Map<string, T[]>();
  for (const instance of instances) byClass.set(instance.class, [...(byClass.get(instance.class) ?? []), instance]);
  const keep = new Set<T>();
  for (const members of byClass.values()) {
    members.sort((a, b) => a.n_items - b.n_items || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const smaller = members.slice(0, Math.ceil(members.length / 2));
    const k = Math.min(perClass, smaller.length);
    for (let i = 0; i < k; i++) keep.add(smaller[k === 1 ? 0 : Math.round((i * (smaller.length - 1)) / (k - 1))]!);
  }
  return instances.filter((instance) => keep.has(instance));
}
