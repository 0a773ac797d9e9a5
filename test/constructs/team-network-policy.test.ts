import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { inferenceNamespaces, TeamNetworkPolicy } from '../../constructs/team-network-policy.ts';
import { TritonShard } from '../../constructs/triton-shard.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { defaultStack, gpuShard, teams } from './small-fleet.ts';

const stack = defaultStack();
const fraud: TeamSpec = {
  ...teams[0]!,
  callers: { namespaces: ['payments', 'checkout'], principals: ['cluster.local/ns/risk/sa/scorer', 'cluster.local/ns/checkout/sa/api'], trusted: [] },
};

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(team: TeamSpec = fraud, s: StackConfig = stack) {
  const chart = Testing.chart();
  new TeamNetworkPolicy(chart, 'NetworkPolicy', { team, stack: s });
  const objects = Testing.synth(chart) as any[];
  return { objects, named: (suffix: string) => objects.find((o) => o.metadata.name === `${team.name}-${suffix}`) };
}

/** Whether `selector.matchLabels` selects an object with `labels` (these policies use no matchExpressions on pods). */
const selects = (selector: any, labels: Record<string, string>) => Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

describe('TeamNetworkPolicy', () => {
  it('renders a default deny, the inference allow and the metrics allow in the team namespace, all valid', () => {
    const { objects } = synth();
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'networking.k8s.io/v1 NetworkPolicy fraud/fraud-default-deny-ingress',
      'networking.k8s.io/v1 NetworkPolicy fraud/fraud-allow-inference',
      'networking.k8s.io/v1 NetworkPolicy fraud/fraud-allow-metrics',
    ]);
    for (const o of objects) expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'modelfleet', 'modelfleet.io/team': 'fraud' });
    expect(validateManifests(objects)).toEqual([]);
  });

  it('denies all ingress to every pod of the namespace by default', () => {
    expect(synth().named('default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('admits the gateway, caller and caller-principal namespaces to the shards\' HTTP and gRPC ports only', () => {
    const { spec } = synth().named('allow-inference');
    expect(spec.policyTypes).toEqual(['Ingress']);
    expect(spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['checkout', 'istio-system', 'payments', 'risk'] }] } }],
        ports: [
          { port: 8000, protocol: 'TCP' },
          { port: 8001, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('admits the metrics namespaces to Triton\'s, Envoy\'s and the Istio agent\'s metrics ports', () => {
    const { spec } = synth().named('allow-metrics');
    expect(spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring'] }] } }],
        ports: [
          { port: 8002, protocol: 'TCP' },
          { port: 15090, protocol: 'TCP' },
          { port: 15020, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('selects the pods of every shard of the team, and nothing else the namespace may hold', () => {
    const chart = Testing.chart();
    new TritonShard(chart, gpuShard.name, { shard: gpuShard, stack });
    const pod = (Testing.synth(chart).find((o: any) => o.kind === 'Deployment') as any).spec.template.metadata.labels;
    const { named } = synth();
    for (const name of ['allow-inference', 'allow-metrics']) {
      const selector = named(name).spec.podSelector;
      expect(selects(selector, pod), name).toBe(true);
      expect(selects(selector, { app: 'team-batch-job' }), name).toBe(false);
    }
  });

  it('admits only the gateway namespace when the team has no callers, and follows the stack', () => {
    const custom = { ...stack, isolation: { ...stack.isolation, ingressNamespace: 'gateways', metricsNamespaces: ['prometheus', 'monitoring', 'prometheus'] } };
    const alone = { ...fraud, callers: { namespaces: [], principals: [], trusted: [] } };
    expect(inferenceNamespaces(alone, custom)).toEqual(['gateways']);
    expect(synth(alone, custom).named('allow-metrics').spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values).toEqual(['monitoring', 'prometheus']);
  });

  it('renders no metrics allow when the stack names no metrics namespace (a rule without peers would admit everyone)', () => {
    const custom = { ...stack, isolation: { ...stack.isolation, metricsNamespaces: [] } };
    expect(synth(fraud, custom).objects.map((o) => o.metadata.name)).toEqual(['fraud-default-deny-ingress', 'fraud-allow-inference']);
  });
});
