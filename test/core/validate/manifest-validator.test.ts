/**
 * The runtime validator (`core/validate/`): strict on built-in kinds and on
 * custom resources, problems named by field path, the kinds it knows.
 */
import { describe, expect, it } from 'vitest';
import { renderFleetObjects, type KubeObject } from '../../../constructs/render-fleet.ts';
import { findManifestIssues } from '../../../core/validate/find-manifest-issues.ts';
import { formatInternalError, formatManifestIssue, ManifestValidationError } from '../../../core/validate/manifest-issue.ts';
import { defaultManifestValidator, ManifestValidator } from '../../../core/validate/manifest-validator.ts';
import { strictSchema } from '../../../core/validate/strict-schema.ts';
import { readVendoredSchemas } from '../../../core/validate/vendored-schemas.ts';
import { KUBE_KINDS } from '../../../stacks/kube-kinds.ts';
import { defaultStack, plan, teams } from '../../constructs/small-fleet.ts';

const manifests = renderFleetObjects({ stack: defaultStack(), teams, plan });
const objects = manifests.flatMap((m) => m.objects);
const validator = defaultManifestValidator();

/** A deep copy of the first object of `kind` (as mutable JSON). */
function first(kind: string): Record<string, any> {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`the small fleet renders no ${kind}`);
  return structuredClone(found) as Record<string, any>;
}

describe('ManifestValidator', () => {
  it('accepts every object of the small fleet', () => {
    expect([...new Set(objects.map((o) => o.kind))]).toEqual(expect.arrayContaining(['Deployment', 'ScaledObject', 'ServiceMonitor', 'VirtualService', 'PriorityClass']));
    expect(findManifestIssues(manifests)).toEqual([]);
  });

  it('knows exactly the kinds the Pulumi program can apply, and compiles every one', () => {
    const known = validator.knownKinds().map((k) => `${k.apiVersion} ${k.kind}`);
    expect(known).toEqual(KUBE_KINDS.map((k) => `${k.apiVersion} ${k.kind}`).sort());
    // Strict ajv: an unknown keyword or format in a vendored schema would throw here.
    expect(() => new ManifestValidator().compileAll()).not.toThrow();
  });

  it('rejects an unknown field in a nested object of a built-in kind', () => {
    const deployment = first('Deployment');
    deployment.spec.template.spec.containers[0].livenesProbe = { httpGet: { path: '/v2/health/live', port: 8000 } };
    expect(validator.validate(deployment)).toEqual([
      expect.objectContaining({ path: ['spec', 'template', 'spec', 'containers', 0, 'livenesProbe'], message: 'unknown field' }),
    ]);
    // Deeper still: inside a probe's httpGet.
    const probe = first('Deployment');
    const container = probe.spec.template.spec.containers.find((c: Record<string, unknown>) => c.readinessProbe);
    container.readinessProbe.httpGet.paht = '/x';
    const index = probe.spec.template.spec.containers.indexOf(container);
    expect(validator.validate(probe).map((p) => [p.path, p.message])).toEqual([[['spec', 'template', 'spec', 'containers', index, 'readinessProbe', 'httpGet', 'paht'], 'unknown field']]);
  });

  it('rejects unknown fields in custom resources (KEDA, prometheus-operator, Istio)', () => {
    const scaledObject = first('ScaledObject');
    scaledObject.spec.triggers[0].metadta = {};
    const monitor = first('ServiceMonitor');
    monitor.spec.endpoints[0].intervall = '10s';
    const route = first('VirtualService');
    route.spec.http[0].route[0].destination.prot = 8000;
    const issues = findManifestIssues([{ path: 'manifests/fraud.yaml', objects: [scaledObject, monitor, route] }]);
    expect(issues.map(formatManifestIssue)).toEqual([
      `manifests/fraud.yaml: ScaledObject/${scaledObject.metadata.name}: spec.triggers[0].metadta: unknown field`,
      `manifests/fraud.yaml: ServiceMonitor/${monitor.metadata.name}: spec.endpoints[0].intervall: unknown field`,
      `manifests/fraud.yaml: VirtualService/${route.metadata.name}: spec.http[0].route[0].destination.prot: unknown field`,
    ]);
  });

  it('checks a custom resource\'s metadata as an ObjectMeta', () => {
    const scaledObject = first('ScaledObject');
    scaledObject.metadata.lables = { a: 'b' };
    scaledObject.metadata.annotations = { a: 1 };
    expect(validator.validate(scaledObject).map((p) => [p.path.join('.'), p.message])).toEqual([
      ['metadata.lables', 'unknown field'],
      ['metadata.annotations.a', 'expected string, got 1'],
    ]);
  });

  it('names wrong types, missing fields, enum values and formats with the value received', () => {
    const deployment = first('Deployment');
    deployment.spec.replicas = '2';
    delete deployment.spec.selector;
    deployment.spec.template.spec.containers[0].resources.limits.memory = '3 gigs';
    deployment.spec.template.spec.containers[0].imagePullPolicy = 7;
    const problems = validator.validate(deployment).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'spec.selector: required field is missing',
        'spec.replicas: expected integer, got "2"',
        'spec.template.spec.containers.0.resources.limits.memory: expected format "quantity", got "3 gigs"',
        'spec.template.spec.containers.0.imagePullPolicy: expected string, got 7',
      ]),
    );
    const so = first('ScaledObject');
    so.spec.minReplicaCount = null; // the API server would treat null as unset; modelfleet never writes it
    expect(validator.validate(so).map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual(['spec.minReplicaCount: expected integer, got null']);
  });

  it('accepts a PriorityClass description (restored: kubernetes-models drops the property)', () => {
    const priorityClass = first('PriorityClass');
    expect(priorityClass.description).toEqual(expect.any(String));
    expect(validator.validate(priorityClass)).toEqual([]);
    expect(validator.validate({ ...priorityClass, description: 3 }).map((p) => p.message)).toEqual(['expected string, got 3']);
  });

  it('reports objects it has no schema for, and things that are not objects', () => {
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0]!.message).toMatch(/^no schema for example.com\/v1 Widget \(/);
    // A built-in kind at an apiVersion modelfleet does not render.
    expect(validator.validate({ apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'p' } })[0]!.message).toMatch(/^no schema for policy\/v1beta1/);
    expect(validator.validate('nope')).toEqual([{ path: [], message: 'not a Kubernetes object (apiVersion and kind are required)' }]);
    expect(validator.validate({ kind: 'Service' })[0]!.message).toMatch(/^not a Kubernetes object/);
  });

  it('validates against the schemas it is given', () => {
    const schemas = readVendoredSchemas();
    const withoutIstio = new ManifestValidator({ ...schemas, customResources: { ...schemas.customResources, kinds: schemas.customResources.kinds.filter((k) => k.kind !== 'VirtualService') } });
    expect(withoutIstio.validate(first('VirtualService'))[0]!.message).toMatch(/^no schema for networking.istio.io\/v1 VirtualService/);
    expect(withoutIstio.validate(first('Deployment'))).toEqual([]);
  });
});

describe('ManifestValidationError', () => {
  it('renders each problem as an internal error naming the file, object and field', () => {
    const deployment = first('Deployment') as KubeObject;
    (deployment as any).spec.template.spec.containers[0].foo = 1;
    const issues = findManifestIssues([{ path: 'manifests/fraud.yaml', objects: [deployment] }]);
    expect(issues.map(formatInternalError)).toEqual([
      'internal error: manifests/fraud.yaml: Deployment/fraud-realtime-gpu-l4-1: spec.template.spec.containers[0].foo: unknown field; this is a bug in modelfleet, please report it',
    ]);
    expect(new ManifestValidationError(issues).message).toBe(formatInternalError(issues[0]!));
  });
});

describe('strictSchema', () => {
  it('closes objects with properties, keeps open maps and preserve-unknown-fields, drops nullability', () => {
    expect(
      strictSchema({
        type: 'object',
        properties: {
          description: { type: 'string', nullable: true },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          raw: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
          spec: { oneOf: [{ $ref: 'Spec#' }, { type: 'null' }] },
          port: { 'x-kubernetes-int-or-string': true },
        },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        description: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        raw: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
        spec: { $ref: 'Spec#' },
        port: { 'x-kubernetes-int-or-string': true, type: ['integer', 'string'] },
      },
    });
  });
});
