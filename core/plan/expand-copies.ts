/**
 * Expands declarations into model copies: one per tenant, or one for an
 * untenanted model. A copy's resources count every version Triton loads for
 * it.
 */
import type { ModelSpec, ResourceVector } from '../spec/model-spec.ts';
import { loadedVersionCount } from '../spec/triton-fields.ts';
import type { ModelCopy } from './shard-plan.ts';
import { byKey } from '../util/compare.ts';

/** A copy together with where its sizes were declared, for messages. */
export interface SourcedCopy extends ModelCopy {
  /** Field path of each resource, and of `peakQps`, inside the declaring file (`['tenants', 'acme', 'memory']` or `['memory']`). */
  readonly fieldOf: Readonly<Record<keyof ResourceVector | 'peakQps', readonly (string | number)[]>>;
}

/** Name Triton loads a copy under: `<model>.<tenant>`; dots never occur in either part, so it is unambiguous. */
export function tritonName(model: string, tenant: string | undefined): string {
  return tenant === undefined ? model : `${model}.${tenant}`;
}

/** Identity of a copy in messages and diffs: `team/model@tenant`. */
export function copyId(team: string, model: string, tenant: string | undefined): string {
  return tenant === undefined ? `${team}/${model}` : `${team}/${model}@${tenant}`;
}

/**
 * What one copy holds when Triton loads `versions` versions of it: the
 * declared (per-version) memory and GPU memory once per version, since each
 * version is a full copy of the weights; CPU once, since the versions share
 * the copy's traffic rather than add to it.
 */
export function loadedResources(declared: ResourceVector, versions: number): ResourceVector {
  return versions === 1 ? declared : { memory: declared.memory * versions, gpuMemory: declared.gpuMemory * versions, cpu: declared.cpu };
}

/**
 * Expands every model into its copies, sorted by id. Each copy's `resources`
 * are its declared sizes (the tenant's overrides, else the model's) times the
 * number of loaded versions (`loadedResources`); `peakQps` is as declared.
 */
export function expandCopies(models: readonly ModelSpec[]): SourcedCopy[] {
  const copies: SourcedCopy[] = [];
  for (const m of models) {
    const versions = loadedVersionCount(m.triton);
    const common = { model: m.name, team: m.team, tier: m.tier, framework: m.framework, gpu: m.gpu, dedicated: m.dedicated, file: m.file, pathPrefix: m.pathPrefix, triton: m.triton,
      ...(m.traffic ? { traffic: m.traffic } : {}),
      ...(m.profile ? { profile: m.profile } : {}),
      ...(m.p99LatencyMs !== undefined ? { p99LatencyMs: m.p99LatencyMs } : {}),
    };
    const own = (field: keyof ResourceVector) => [...m.pathPrefix, field];
    if (!m.tenants) {
      copies.push({
        ...common,
        id: copyId(m.team, m.name, undefined),
        tritonName: tritonName(m.name, undefined),
        resources: loadedResources(m.resources, versions),
        ...(m.peakQps !== undefined ? { peakQps: m.peakQps } : {}),
        artifact: m.artifact,
        fieldOf: { memory: own('memory'), gpuMemory: own('gpuMemory'), cpu: own('cpu'), peakQps: [...m.pathPrefix, 'peakQps'] },
      });
      continue;
    }
    for (const t of m.tenants) {
      const field = (k: keyof ResourceVector) => (t.overridden.includes(k) ? [...m.pathPrefix, 'tenants', t.name, k] : own(k));
      copies.push({
        ...common,
        id: copyId(m.team, m.name, t.name),
        tritonName: tritonName(m.name, t.name),
        tenant: t.name,
        resources: loadedResources(t.resources, versions),
        ...(t.peakQps !== undefined ? { peakQps: t.peakQps } : {}),
        artifact: m.artifact.replaceAll('{tenant}', t.name),
        fieldOf: {
          memory: field('memory'),
          gpuMemory: field('gpuMemory'),
          cpu: field('cpu'),
          // A tenant's own peakQps differs from the model's (an override equal to it changes nothing).
          peakQps: t.peakQps !== m.peakQps ? [...m.pathPrefix, 'tenants', t.name, 'peakQps'] : [...m.pathPrefix, 'peakQps'],
        },
      });
    }
  }
  copies.sort(byKey((c) => c.id));
  return copies;
}
