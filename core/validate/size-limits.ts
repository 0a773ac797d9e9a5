/**
 * Size limits outside modelfleet that decide whether a rendered fleet can be
 * applied at all, checked before anything is applied:
 *
 * - **one Kubernetes object**: etcd refuses a request over 1.5 MiB (its
 *   default `--max-request-bytes`), so the API server cannot store a larger
 *   object;
 * - **a ConfigMap's data**: Kubernetes refuses a ConfigMap whose `data` and
 *   `binaryData` together exceed 1 MiB;
 * - **a gateway's route table**: Istio sends each gateway the routes of every
 *   VirtualService bound to it in one xDS response, and a response over 4 MiB
 *   fails (gRPC's default message size; istio/istio#57336, #52815), so the
 *   gateway keeps its old routes or none. The table is estimated as the JSON
 *   size of the VirtualServices' `http` rules; a warning from 1 MiB, an error
 *   from 3 MiB, and the fix is a gateway per team (`modelfleet:routing.gateways`).
 *
 * Pure: the objects in, issues out.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { objectName } from './find-manifest-issues.ts';
import { isJsonObject } from './strict-schema.ts';

const MiB = 1024 * 1024;

/** etcd's default request limit: the largest object the API server stores. */
export const MAX_OBJECT_BYTES = 1.5 * MiB;
/** The most a ConfigMap's `data` and `binaryData` may hold together. */
export const MAX_CONFIGMAP_DATA_BYTES = 1 * MiB;
/** A gateway's estimated route table from which synth warns. */
export const ROUTE_TABLE_WARN_BYTES = 1 * MiB;
/** A gateway's estimated route table from which synth fails (Envoy refuses xDS responses over 4 MiB). */
export const ROUTE_TABLE_MAX_BYTES = 3 * MiB;

/** `1.6 MiB`, `512.0 KiB`, `900 bytes`. */
export function formatSize(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** `1,572,865 bytes (1.5 MiB)`: exact, for a size next to its limit. */
function exactSize(n: number): string {
  return `${n.toLocaleString('en-US')} bytes (${formatSize(n)})`;
}

/** Bytes of a ConfigMap's data as the API server counts them: `data` values (UTF-8) plus decoded `binaryData` values. */
export function configMapDataBytes(object: Readonly<Record<string, unknown>>): number {
  let total = 0;
  for (const v of Object.values(isJsonObject(object.data) ? object.data : {})) if (typeof v === 'string') total += Buffer.byteLength(v);
  for (const v of Object.values(isJsonObject(object.binaryData) ? object.binaryData : {})) if (typeof v === 'string') total += Buffer.from(v, 'base64').length;
  return total;
}

/** The objects of one manifest file, as `checkObjectSizes` and `checkRouteTables` read them. */
export interface SizedManifest {
  readonly path: string;
  readonly team: string;
  readonly objects: readonly { readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string }; readonly [key: string]: unknown }[];
}

/**
 * Objects the API server would refuse for their size: over `MAX_OBJECT_BYTES`
 * as JSON, or a ConfigMap whose data exceeds `MAX_CONFIGMAP_DATA_BYTES`. Each
 * issue names the file, the object, its size, the limit and the fix.
 */
export function checkObjectSizes(manifests: readonly SizedManifest[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const m of manifests) {
    for (const o of m.objects) {
      const at = [objectName(o)];
      const size = Buffer.byteLength(JSON.stringify(o));
      const shardFix = `a shard's ConfigMap holds a line per copy it loads in models.json and in fetch-models.tsv: lower maxModelsPerShard (modelfleet:tiers.<tier>.maxModelsPerShard or modelfleet:pools.<pool>.maxModelsPerShard) so that fewer copies share a shard`;
      if (size > MAX_OBJECT_BYTES) {
        issues.push({
          file: m.path,
          path: at,
          message: `is ${exactSize(size)} as JSON, above the ${exactSize(MAX_OBJECT_BYTES)} etcd stores for one object, so the API server would refuse it; ${o.kind === 'ConfigMap' ? shardFix : 'modelfleet splits its large objects well below this, so this is a bug: report it with the fleet that renders it'}`,
        });
      } else if (o.kind === 'ConfigMap') {
        const data = configMapDataBytes(o);
        if (data > MAX_CONFIGMAP_DATA_BYTES) {
          issues.push({ file: m.path, path: [...at, 'data'], message: `holds ${exactSize(data)}, above the ${exactSize(MAX_CONFIGMAP_DATA_BYTES)} Kubernetes allows in a ConfigMap; ${shardFix}` });
        }
      }
    }
  }
  return issues;
}

/** One gateway's estimated route table. */
export interface RouteTable {
  /** The Istio Gateway, `namespace/name`. */
  readonly gateway: string;
  /** The JSON bytes of the `http` rules of every VirtualService bound to it. */
  readonly bytes: number;
  readonly rules: number;
  readonly virtualServices: number;
  /** Bytes per team namespace, largest first. */
  readonly byNamespace: readonly { readonly namespace: string; readonly bytes: number }[];
}

/** Every gateway's estimated route table, in gateway-name order. */
export function routeTables(manifests: readonly SizedManifest[]): RouteTable[] {
  const tables = new Map<string, { bytes: number; rules: number; virtualServices: number; byNamespace: Map<string, number> }>();
  for (const m of manifests) {
    for (const o of m.objects) {
      if (o.kind !== 'VirtualService') continue;
      const spec = isJsonObject(o.spec) ? o.spec : {};
      const http = Array.isArray(spec.http) ? spec.http : [];
      const size = Buffer.byteLength(JSON.stringify(http));
      for (const gateway of Array.isArray(spec.gateways) ? spec.gateways.filter((g): g is string => typeof g === 'string') : []) {
        const t = tables.get(gateway) ?? { bytes: 0, rules: 0, virtualServices: 0, byNamespace: new Map<string, number>() };
        t.bytes += size;
        t.rules += http.length;
        t.virtualServices += 1;
        const ns = o.metadata.namespace ?? '';
        t.byNamespace.set(ns, (t.byNamespace.get(ns) ?? 0) + size);
        tables.set(gateway, t);
      }
    }
  }
  return [...tables.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([gateway, t]) => ({
      gateway,
      bytes: t.bytes,
      rules: t.rules,
      virtualServices: t.virtualServices,
      byNamespace: [...t.byNamespace.entries()].map(([namespace, bytes]) => ({ namespace, bytes })).sort((a, b) => b.bytes - a.bytes || (a.namespace < b.namespace ? -1 : 1)),
    }));
}

/**
 * Gateways whose estimated route table is at least `ROUTE_TABLE_MAX_BYTES`
 * (errors) or `ROUTE_TABLE_WARN_BYTES` (warnings), naming the stack key that
 * splits it: a gateway per team (`modelfleet:routing.gateways.<team>`).
 */
export function checkRouteTables(manifests: readonly SizedManifest[], stack: StackConfig): { errors: SpecIssue[]; warnings: SpecIssue[] } {
  const errors: SpecIssue[] = [];
  const warnings: SpecIssue[] = [];
  for (const t of routeTables(manifests)) {
    if (t.bytes < ROUTE_TABLE_WARN_BYTES) continue;
    const over = t.bytes >= ROUTE_TABLE_MAX_BYTES;
    const largest = t.byNamespace.slice(0, 5).map((n) => `${n.namespace} ${formatSize(n.bytes)}`).join(', ');
    const alone = t.byNamespace.filter((n) => n.bytes >= ROUTE_TABLE_MAX_BYTES).map((n) => n.namespace);
    const fix =
      t.byNamespace.length > 1
        ? `give the largest teams their own gateway and host with modelfleet:routing.gateways.<team> (docs/routing.md#several-gateways)`
        : `the team's models alone make it: move some of them to another team with its own gateway (modelfleet:routing.gateways.<team>, docs/routing.md#several-gateways)`;
    const message = `gateway ${t.gateway} carries ${formatSize(t.bytes)} of routes (${t.rules.toLocaleString('en-US')} rules in ${t.virtualServices.toLocaleString('en-US')} VirtualServices; by team namespace: ${largest}), ${over ? 'at or above' : 'past'} ${formatSize(over ? ROUTE_TABLE_MAX_BYTES : ROUTE_TABLE_WARN_BYTES)}: Istio sends a gateway its whole route table in one xDS response, and Envoy refuses responses over 4 MiB (istio/istio#57336); ${alone.length ? `team namespace ${alone.join(', ')} alone exceeds ${formatSize(ROUTE_TABLE_MAX_BYTES)}, so ` : ''}${fix}`;
    (over ? errors : warnings).push({ file: stack.file, path: ['modelfleet:routing', 'gateways'], message });
  }
  return { errors, warnings };
}
