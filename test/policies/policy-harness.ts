/**
 * Test harness for the platform rules and the policy pack: real objects from
 * the synth pipeline, and fake Pulumi validation args (as pulumi-policy's
 * server builds them) with a `reportViolation` spy. Never imports
 * `policies/pack/index.ts`, which would start the pack's gRPC server.
 */
import type { ReportViolation, ResourceValidationArgs, StackValidationArgs, PolicyResource } from '@pulumi/policy';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import type { KubeObject } from '../../policies/rules/kube-object.ts';

/** Synthesizes a fleet once per (models, stack) and returns the result. */
const cache = new Map<string, Promise<SynthResult>>();
export function synthOnce(modelsDir: string, stackName?: string, cwd?: string): Promise<SynthResult> {
  const key = `${modelsDir}|${stackName ?? ''}|${cwd ?? ''}`;
  if (!cache.has(key)) cache.set(key, synthFleet({ modelsDir, ...(stackName !== undefined ? { stackName } : {}), ...(cwd !== undefined ? { cwd } : {}) }));
  return cache.get(key)!;
}

/** Every object of a synth result, in manifest order. */
export function objectsOf(result: SynthResult): KubeObject[] {
  return result.manifests.flatMap((m) => m.objects) as KubeObject[];
}

/** A deep copy of the first object of `kind` (and name, when given) in `objects`. */
export function copyOf(objects: readonly KubeObject[], kind: string, name?: string): Record<string, any> {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among the objects`);
  return structuredClone(found) as Record<string, any>;
}

/** The Pulumi type token `@pulumi/kubernetes` registers an object under (`kubernetes:apps/v1:Deployment`). */
export function typeTokenOf(object: KubeObject): string {
  const apiVersion = object.apiVersion ?? '';
  return `kubernetes:${apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`}:${object.kind}`;
}

/** The URN Pulumi would give the object in the program (`resourceName` in stacks/register-fleet.ts). */
export function urnOf(object: KubeObject): string {
  const ns = object.metadata?.namespace;
  const name = ns === undefined ? `${object.kind}/${object.metadata?.name}` : `${ns}/${object.kind}/${object.metadata?.name}`;
  return `urn:pulumi:dev::modelfleet::${typeTokenOf(object)}::${name}`;
}

/** A reported violation. */
export interface Reported {
  readonly message: string;
  readonly urn?: string;
}

/** A `reportViolation` that records what it is given. */
export function violationSpy(): { report: ReportViolation; reported: Reported[] } {
  const reported: Reported[] = [];
  const report: ReportViolation = (message, urn) => reported.push(urn === undefined ? { message } : { message, urn });
  return { report, reported };
}

class NotApplicable extends Error {}

const policyOptions = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

/** Fake `ResourceValidationArgs` for one object, with the policy config `getConfig()` returns. */
export function resourceArgs(object: KubeObject, config: object = {}, type = typeTokenOf(object)): ResourceValidationArgs {
  return {
    type,
    props: object as Record<string, any>,
    urn: urnOf(object),
    name: urnOf(object).split('::').at(-1)!,
    opts: policyOptions,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

/** Fake `StackValidationArgs` over objects (each a resource with its type token and URN), with the policy config. */
export function stackArgs(objects: readonly KubeObject[], config: object = {}, extra: readonly PolicyResource[] = []): StackValidationArgs {
  const resources: PolicyResource[] = objects.map((object) => ({
    type: typeTokenOf(object),
    props: object as Record<string, any>,
    urn: urnOf(object),
    name: urnOf(object).split('::').at(-1)!,
    opts: policyOptions,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  return {
    resources: [...resources, ...extra],
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}
