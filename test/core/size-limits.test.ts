/**
 * The size guards as pure functions, on hand-made objects at and around each
 * limit (the fleets that break them are in test/routing/size-limits.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { checkObjectSizes, checkRouteTables, configMapDataBytes, MAX_CONFIGMAP_DATA_BYTES, MAX_OBJECT_BYTES, ROUTE_TABLE_MAX_BYTES, ROUTE_TABLE_WARN_BYTES } from '../../core/validate/size-limits.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';

const configMap = (name: string, data: Record<string, string>, binaryData?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'fraud' }, data, ...(binaryData ? { binaryData } : {}) });
const manifest = (objects: object[]) => [{ path: 'manifests/fraud.yaml', team: 'fraud', objects: objects as never[] }];

describe('checkObjectSizes', () => {
  it('counts ConfigMap data as the API server does: UTF-8 bytes of data, decoded bytes of binaryData', () => {
    expect(configMapDataBytes(configMap('x', { a: 'é€' }, { b: Buffer.alloc(10).toString('base64') }))).toBe(2 + 3 + 10);
  });

  it('accepts a ConfigMap of exactly 1 MiB of data and refuses one byte more', () => {
    expect(checkObjectSizes(manifest([configMap('ok', { a: 'x'.repeat(MAX_CONFIGMAP_DATA_BYTES) })]))).toEqual([]);
    expect(checkObjectSizes(manifest([configMap('big', { a: 'x'.repeat(MAX_CONFIGMAP_DATA_BYTES + 1) })])).map((i) => `${i.file}: ${i.path.join('.')}: ${i.message}`)).toEqual([
      'manifests/fraud.yaml: ConfigMap/big.data: holds 1,048,577 bytes (1.0 MiB), above the 1,048,576 bytes (1.0 MiB) Kubernetes allows in a ConfigMap; a shard\'s ConfigMap holds a line per copy it loads in models.json and in fetch-models.tsv: lower maxModelsPerShard (modelfleet:tiers.<tier>.maxModelsPerShard or modelfleet:pools.<pool>.maxModelsPerShard) so that fewer copies share a shard',
    ]);
  });

  it('refuses any object above 1.5 MiB as JSON; outside ConfigMaps that is a bug to report', () => {
    const policy = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'huge', namespace: 'fraud' }, spec: { rules: [{ to: [{ operation: { paths: ['/x'.repeat(MAX_OBJECT_BYTES / 2)] } }] }] } };
    const [issue] = checkObjectSizes(manifest([policy]));
    expect(issue!.path).toEqual(['AuthorizationPolicy/huge']);
    expect(issue!.message).toMatch(/^is 1,57\d,\d\d\d bytes \(1\.5 MiB\) as JSON, above the 1,572,864 bytes \(1\.5 MiB\) etcd stores for one object, so the API server would refuse it; modelfleet splits its large objects well below this, so this is a bug/);
  });
});

describe('checkRouteTables', () => {
  const stack = resolvePlatformStack('x', {}, 'Pulumi.x.yaml');
  const vs = (namespace: string, bytes: number, gateway = 'istio-system/modelfleet-gateway') => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: `${namespace}-vs`, namespace },
    spec: { gateways: [gateway], hosts: ['h'], http: [{ name: 'x'.repeat(bytes - 13) }] },
  });

  it('sums the http rules of every VirtualService bound to a gateway: quiet below 1 MiB, a warning from it, an error from 3 MiB', () => {
    expect(JSON.stringify(vs('a', 1000).spec.http).length).toBe(1000);
    const run = (sizes: number[]) => checkRouteTables(manifest(sizes.map((b, i) => vs(`team${i}`, b))), stack);
    expect(run([ROUTE_TABLE_WARN_BYTES - 1])).toEqual({ errors: [], warnings: [] });
    expect(run([ROUTE_TABLE_WARN_BYTES / 2, ROUTE_TABLE_WARN_BYTES / 2]).warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^gateway istio-system\/modelfleet-gateway carries 1\.0 MiB of routes \(2 rules in 2 VirtualServices; by team namespace: team0 512\.0 KiB, team1 512\.0 KiB\), past 1\.0 MiB/)]);
    const over = run([ROUTE_TABLE_MAX_BYTES]);
    expect(over.errors.map((e) => `${e.file}: ${e.path.join('.')}: ${e.message}`)).toEqual([expect.stringMatching(/^Pulumi\.x\.yaml: modelfleet:routing\.gateways: gateway istio-system\/modelfleet-gateway carries 3\.0 MiB .* at or above 3\.0 MiB: .*team namespace team0 alone exceeds 3\.0 MiB, so the team's models alone make it: move some of them to another team with its own gateway/)]);
  });

  it('counts each gateway on its own', () => {
    const m = manifest([vs('a', ROUTE_TABLE_MAX_BYTES - 10, 'gw-a/g'), vs('b', ROUTE_TABLE_MAX_BYTES - 10, 'gw-b/g')]);
    expect(checkRouteTables(m, stack).errors).toEqual([]);
    expect(checkRouteTables(m, stack).warnings).toHaveLength(2);
  });
});
