/**
 * A synth output directory read as untrusted data: the objects of its
 * `manifests/*.yaml`, accepted only when every one of them is something the
 * fleet renders, inside the fleet's namespaces, within Kubernetes' size
 * limits, valid against the schemas synth validates with, and within the
 * stack's platform rules. Pure of Pulumi, so tests check it without mocks;
 * `deploy-rendered.ts` registers what it accepts.
 *
 * Trust comes from the program's own checkout (the default branch), never
 * from the directory: the stack (Pulumi's config), the teams (the fleet
 * declarations of `modelfleet:models`), and so the team namespaces, the tier
 * PriorityClasses and the Namespaces' contents.
 */
import type { FleetManifest, KubeObject } from '../constructs/render-fleet.ts';
import { CLUSTER_CHART, renderFleetObjects } from '../constructs/render-fleet.ts';
import { BUDGET_ANNOTATION } from '../core/cost/fleet-cost.ts';
import { SpecError, type SpecIssue } from '../core/errors/spec-issue.ts';
import type { RuleOutcome } from '../core/plan/rule-outcome.ts';
import { SLA_TIERS } from '../core/spec/model-spec.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import { checkRouteOwnership } from './rendered-routes.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { findManifestIssues, objectName } from '../core/validate/find-manifest-issues.ts';
import { defaultManifestValidator, type ManifestValidator } from '../core/validate/manifest-validator.ts';
import { configMapDataBytes, MAX_CONFIGMAP_DATA_BYTES, MAX_OBJECT_BYTES } from '../core/validate/size-limits.ts';
import { isJsonObject } from '../core/validate/strict-schema.ts';
import { mandatoryViolations, runPlatformRules } from '../policies/rules/run-platform-rules.ts';
import { bytes, MANIFESTS_FOLDER, readRenderedManifests, type ParsedManifest, type RenderedFileLimits } from './read-rendered-manifests.ts';

/** One (apiVersion, kind) the fleet renders. */
export interface RenderedKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** Whether objects of the kind live in a namespace. */
  readonly namespaced: boolean;
}

const kind = (apiVersion: string, kind: string, namespaced = true): RenderedKind => ({ apiVersion, kind, namespaced });

/**
 * Every (apiVersion, kind) `renderFleet()` produces, under any stack: the
 * allow-list of the rendered-output mode. Taken from what the constructs
 * render (the example fleet under the default, dev and prod stacks renders
 * exactly these; a test keeps the list in step), never from what Kubernetes
 * or the program could apply. The HorizontalPodAutoscaler is rendered when
 * the stack's autoscaler is `hpa`, the ScaledObject when it is KEDA, the
 * ServiceMonitor when metrics use one.
 */
export const RENDERED_KINDS: readonly RenderedKind[] = [
  kind('v1', 'Namespace', false),
  kind('scheduling.k8s.io/v1', 'PriorityClass', false),
  kind('v1', 'ResourceQuota'),
  kind('v1', 'LimitRange'),
  kind('networking.k8s.io/v1', 'NetworkPolicy'),
  kind('v1', 'ConfigMap'),
  kind('apps/v1', 'Deployment'),
  kind('v1', 'Service'),
  kind('autoscaling/v2', 'HorizontalPodAutoscaler'),
  kind('keda.sh/v1alpha1', 'ScaledObject'),
  kind('monitoring.coreos.com/v1', 'ServiceMonitor'),
  kind('policy/v1', 'PodDisruptionBudget'),
  kind('security.istio.io/v1', 'RequestAuthentication'),
  kind('security.istio.io/v1', 'PeerAuthentication'),
  kind('networking.istio.io/v1', 'DestinationRule'),
  kind('security.istio.io/v1', 'AuthorizationPolicy'),
  kind('networking.istio.io/v1alpha3', 'EnvoyFilter'),
  kind('networking.istio.io/v1', 'VirtualService'),
];

/** Every limit of the rendered-output mode. */
export interface RenderedOutputLimits extends RenderedFileLimits {
  /** Bytes of one object, serialized as JSON. */
  readonly maxObjectBytes: number;
  /** Bytes of a ConfigMap's `data` values plus its decoded `binaryData` values, as the API server counts them. */
  readonly maxConfigMapDataBytes: number;
}

const MiB = 1024 * 1024;

/**
 * The limits, with their sources (docs/pulumi.md#rendered-output-mode):
 *
 * - `maxObjectBytes` 1.5 MiB: etcd's default request size limit
 *   (`--max-request-bytes`, https://etcd.io/docs/v3.5/dev-guide/limit/); the
 *   API server cannot store a larger object in a default cluster. JSON is
 *   larger than the protobuf etcd stores, so this errs on the strict side.
 * - `maxConfigMapDataBytes` 1 MiB: Kubernetes refuses a ConfigMap whose
 *   `data` and `binaryData` exceed `core.MaxSecretSize`
 *   (`ValidateConfigMap`, pkg/apis/core/validation/validation.go; "The data
 *   stored in a ConfigMap cannot exceed 1 MiB",
 *   https://kubernetes.io/docs/concepts/configuration/configmap/).
 * - The rest bound what the trusted job reads and parses. The example fleet
 *   renders 600 copies as 570 objects in 3.2 MB (about one object and 5.3 KB
 *   per copy), its largest file 0.9 MB, its deepest object 10 levels, and
 *   parses at about 4 MB/s. `maxObjects` 50,000 and `maxTotalBytes` 256 MiB
 *   hold a fleet of about 50,000 copies (a minute of parsing);
 *   `maxFileBytes` 64 MiB a team of about 12,000; `maxFiles` 1,000 teams;
 *   `maxDepth` 64.
 */
export const RENDERED_OUTPUT_LIMITS: RenderedOutputLimits = {
  maxFiles: 1_000,
  maxFileBytes: 64 * MiB,
  maxTotalBytes: 256 * MiB,
  maxObjects: 50_000,
  maxDepth: 64,
  maxObjectBytes: MAX_OBJECT_BYTES,
  maxConfigMapDataBytes: MAX_CONFIGMAP_DATA_BYTES,
};

/** Options for `readRenderedOutput` and `checkRenderedObjects`. */
export interface RenderedOutputOptions {
  /** The stack, resolved from the trusted config: rule levels, tier PriorityClasses, everything rendered from it. */
  readonly stack: StackConfig;
  /** The teams of the trusted fleet: their namespaces are the only ones objects may live in. */
  readonly teams: readonly TeamSpec[];
  /**
   * The models of the trusted fleet, with their teams: a VirtualService may
   * not route a model the default branch gives to another team
   * (`rendered-routes.ts`).
   *
   * @default - none known: only the shape of the routes is checked
   */
  readonly models?: readonly { readonly name: string; readonly team: string }[];
  /**
   * How messages name the directory.
   *
   * @default - the directory as given
   */
  readonly shownAs?: string;
  /**
   * Limits to use instead of `RENDERED_OUTPUT_LIMITS` (tests).
   *
   * @default RENDERED_OUTPUT_LIMITS
   */
  readonly limits?: Partial<RenderedOutputLimits>;
  /**
   * Whether some documents could not be read (`readRenderedManifests`
   * reported problems): then what needs every object is skipped (the
   * platform rules, the check that each object's Namespace and PriorityClass
   * are present), since a missing object would be reported as missing.
   *
   * @default false
   */
  readonly partial?: boolean;
  /**
   * The schema validator.
   *
   * @default - `defaultManifestValidator()`, the one synth uses
   */
  readonly validator?: ManifestValidator;
}

/** Objects that passed every check. */
export interface RenderedOutput {
  /** The objects, one entry per manifest file, in file order: what `registerFleet` registers. */
  readonly manifests: readonly FleetManifest[];
  /** Every platform rule's outcome on the objects (advisory violations are warnings). */
  readonly rules: readonly RuleOutcome[];
}

/** What `checkRenderedObjects` returns: every named object of an allowed kind (each once), the rules' outcomes, every refusal. */
export interface CheckedRenderedObjects extends RenderedOutput {
  /** Every refusal; the objects may be registered only when there is none. */
  readonly issues: readonly SpecIssue[];
}

const kindKey = (apiVersion: unknown, kind: unknown) => `${String(apiVersion)} ${String(kind)}`;
const RENDERED_BY_KEY = new Map(RENDERED_KINDS.map((k) => [kindKey(k.apiVersion, k.kind), k]));
const KIND_NAMES = [...new Set(RENDERED_KINDS.map((k) => k.kind))].join(', ');

/** A value as messages show it: `"restricted"`, `1000000`, `absent`. */
function show(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The leaf paths where `actual` and `expected` differ (at most `max`), keys in sorted order. */
function differences(actual: unknown, expected: unknown, max = 10, path: (string | number)[] = [], out: { path: (string | number)[]; actual: unknown; expected: unknown }[] = []) {
  if (out.length >= max) return out;
  if (isJsonObject(actual) && isJsonObject(expected)) {
    for (const key of [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort()) differences(actual[key], expected[key], max, [...path, key], out);
  } else if (Array.isArray(actual) && Array.isArray(expected) && actual.length === expected.length) {
    actual.forEach((a, i) => differences(a, expected[i], max, [...path, i], out));
  } else if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    out.push({ path, actual, expected });
  }
  return out;
}

/** A Namespace without its budget annotation: the one part of it a pull request may change (through the team's budget). */
function withoutBudget(object: Readonly<Record<string, unknown>>): unknown {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const annotations = isJsonObject(metadata.annotations) ? { ...metadata.annotations } : undefined;
  if (annotations === undefined) return object;
  delete annotations[BUDGET_ANNOTATION];
  const { annotations: _, ...rest } = metadata;
  return { ...object, metadata: Object.keys(annotations).length ? { ...rest, annotations } : rest };
}

/**
 * What the trusted fleet and stack render outside the teams' namespaces: the
 * Namespaces and PriorityClasses (`Kind/name` → object), the only
 * cluster-scoped objects allowed, and the ingress gateway's authentication
 * objects (`Kind/namespace/name` → object), the only objects allowed in the
 * gateway's namespace. They depend on the stack and the team list, never on
 * the models, so the trusted side renders them without a plan.
 */
function trustedPlatformObjects(stack: StackConfig, teams: readonly TeamSpec[]): { cluster: Map<string, KubeObject>; gateway: Map<string, KubeObject> } {
  const rendered = renderFleetObjects({ stack, teams, plan: { shards: [], groups: [], lowerBound: 0, gpusAtPeakLowerBound: 0, evictions: [] } });
  const cluster = new Map<string, KubeObject>();
  const gateway = new Map<string, KubeObject>();
  for (const m of rendered) {
    for (const o of m.objects) {
      if (o.metadata.namespace === undefined) cluster.set(`${o.kind}/${o.metadata.name}`, o);
      else if (m.team === '') gateway.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
    }
  }
  return { cluster, gateway };
}

/** `group kind namespace name`: an object's identity in Kubernetes. */
function identity(apiVersion: string, kind: string, namespace: unknown, name: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return `${group} ${kind} ${typeof namespace === 'string' ? namespace : ''} ${name}`;
}

/**
 * Checks parsed manifests against the trusted stack and teams; reports
 * every refusal as a `SpecIssue` naming the file and the object
 * (`manifests/fraud.yaml: ["ClusterRoleBinding/x"]: …`). Refused:
 *
 * - anything that is not a named Kubernetes object, or whose apiVersion and
 *   kind are not in `RENDERED_KINDS` (a ClusterRoleBinding, a Secret, a webhook);
 * - a namespaced object outside the trusted teams' namespaces;
 * - a cluster-scoped object other than a trusted team's Namespace or a tier
 *   PriorityClass, and one of those that differs from what the trusted fleet
 *   and stack render (a Namespace may differ only in its budget annotation):
 *   both act beyond the team's namespace;
 * - a Deployment whose pods ask for another PriorityClass;
 * - an object above `maxObjectBytes`, a ConfigMap above `maxConfigMapDataBytes`;
 * - an object that appears twice, one with a `status`, one whose Namespace
 *   or whose pods' PriorityClass is not among the objects (what
 *   `registerFleet` would refuse too);
 * - every strict schema problem (`findManifestIssues`, as synth validates);
 * - every violation of a mandatory platform rule (`runPlatformRules`, as synth runs them).
 *
 * The schemas and the rules judge every named object of an allowed kind,
 * all files together, even when it or others are refused, so one run reports
 * everything.
 */
export function checkRenderedObjects(parsed: readonly ParsedManifest[], options: RenderedOutputOptions): CheckedRenderedObjects {
  const { stack, teams } = options;
  const limits = { ...RENDERED_OUTPUT_LIMITS, ...options.limits };
  const issues: SpecIssue[] = [];
  const namespaces = new Set(teams.map((t) => t.namespace));
  const namespaceList = [...namespaces].sort().join(', ') || 'none';
  const { cluster: trusted, gateway: trustedGateway } = trustedPlatformObjects(stack, teams);
  const gatewaySeen = new Set<string>();
  const tierOfClass = new Map(SLA_TIERS.map((t) => [stack.tiers[t].priorityClass.name, t]));
  const classList = [...tierOfClass.keys()].join(', ');
  const seen = new Map<string, string>();
  /** `Kind/name` of every cluster-scoped object of an allowed kind, accepted or not. */
  const declared = new Set<string>();
  const manifests: FleetManifest[] = [];

  for (const manifest of parsed) {
    const objects: KubeObject[] = [];
    for (const object of manifest.objects) {
      const name = objectName(object);
      const refuse = (path: readonly (string | number)[], message: string) => issues.push({ file: manifest.path, path: [name, ...path], message });
      const metadata = isJsonObject(object) && isJsonObject(object.metadata) ? object.metadata : undefined;
      if (!isJsonObject(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof metadata?.name !== 'string' || metadata.name === '') {
        refuse([], 'is not a Kubernetes object with apiVersion, kind and metadata.name; synth writes only such objects');
        continue;
      }
      const { apiVersion, kind } = object;
      const ownName = metadata.name;
      const size = Buffer.byteLength(JSON.stringify(object));
      if (size > limits.maxObjectBytes) {
        refuse(
          [],
          `is ${bytes(size)} as JSON, above the limit of ${bytes(limits.maxObjectBytes)} for one object (etcd's default request limit, so the API server could not store it); a rendered object is at most tens of kilobytes`,
        );
      }
      const rendered = RENDERED_BY_KEY.get(kindKey(apiVersion, kind));
      if (!rendered) {
        const versions = RENDERED_KINDS.filter((k) => k.kind === kind).map((k) => k.apiVersion);
        refuse(
          [],
          versions.length
            ? `apiVersion ${apiVersion} is not one the fleet renders a ${kind} with (it renders ${versions.join(', ')}); render it as synth does`
            : `kind ${kind} (${apiVersion}) is not one the fleet renders (${KIND_NAMES}); remove it: the platform applies objects of other kinds outside the fleet`,
        );
        continue;
      }
      const namespace = metadata.namespace;
      if (rendered.namespaced && typeof namespace === 'string' && trustedGateway.has(`${kind}/${namespace}/${ownName}`)) {
        // The gateway's token check: exactly what the stack on the default branch renders, or nothing.
        const expected = trustedGateway.get(`${kind}/${namespace}/${ownName}`)!;
        gatewaySeen.add(`${kind}/${namespace}/${ownName}`);
        for (const d of differences(object, expected)) {
          refuse(
            d.path,
            `${d.actual === undefined ? 'is absent' : `is ${show(d.actual)}`}, where the stack renders ${d.expected === undefined ? 'no such field' : show(d.expected)} (modelfleet:auth); the ingress gateway's authentication acts for every tenant, so only the stack's own is applied: change the stack on the default branch`,
          );
        }
      } else if (rendered.namespaced) {
        if (typeof namespace !== 'string' || !namespaces.has(namespace)) {
          refuse(
            ['metadata', 'namespace'],
            `${namespace === undefined ? 'is missing' : `is ${show(namespace)}`}, not the namespace of a team of the fleet on the default branch (${namespaceList}); put the object in its team's namespace (a new team is previewed once models/teams.ts declares it on the default branch)`,
          );
        }
      } else {
        declared.add(`${kind}/${ownName}`);
        const expected = trusted.get(`${kind}/${ownName}`);
        if (namespace !== undefined) {
          refuse(['metadata', 'namespace'], `is set on a cluster-scoped ${kind}; remove it`);
        } else if (!expected) {
          refuse(
            [],
            kind === 'Namespace'
              ? `is not the namespace of a team of the fleet on the default branch (${namespaceList}); a new team is previewed once models/teams.ts declares it on the default branch`
              : `is not one of the stack's tier PriorityClasses (${classList}); the only cluster-scoped objects the fleet renders are its teams' Namespaces and these PriorityClasses, so remove it`,
          );
        } else {
          const found = kind === 'Namespace' ? differences(withoutBudget(object), withoutBudget(expected)) : differences(object, expected);
          const explain =
            kind === 'Namespace'
              ? (value: string) =>
                  `the fleet on the default branch renders ${value}; a Namespace's labels and annotations act beyond the team (Pod Security admission, namespace selectors), so only its budget annotation may differ: change the team or the stack on the default branch`
              : (value: string) =>
                  `the stack renders ${value} (modelfleet:tiers.${tierOfClass.get(ownName)}.priorityClass); a PriorityClass acts on the whole cluster, so only the stack's own is applied: change the stack on the default branch`;
          for (const d of found) {
            refuse(d.path, `${d.actual === undefined ? 'is absent' : `is ${show(d.actual)}`}, where ${explain(d.expected === undefined ? 'no such field' : show(d.expected))}`);
          }
        }
      }
      if (object.status !== undefined) refuse(['status'], "is set; the cluster writes an object's status, synth never renders one, so remove it");
      if (kind === 'ConfigMap') {
        const dataBytes = configMapDataBytes(object);
        if (dataBytes > limits.maxConfigMapDataBytes) {
          refuse(
            ['data'],
            `holds ${bytes(dataBytes)}, above Kubernetes' limit of ${bytes(limits.maxConfigMapDataBytes)} for a ConfigMap's data and binaryData together; a shard's ConfigMap holds models.json and its copies' config.pbtxt, tens of kilobytes`,
          );
        }
      }
      if (kind === 'Deployment') {
        const spec = isJsonObject(object.spec) && isJsonObject(object.spec.template) && isJsonObject(object.spec.template.spec) ? object.spec.template.spec : {};
        const priority = spec.priorityClassName;
        if (priority !== undefined && (typeof priority !== 'string' || !tierOfClass.has(priority))) {
          refuse(['spec', 'template', 'spec', 'priorityClassName'], `is ${show(priority)}, not one of the stack's tier PriorityClasses (${classList}); a shard runs at its tier's priority`);
        }
      }
      const key = identity(apiVersion, kind, namespace, metadata.name);
      const first = seen.get(key);
      if (first !== undefined) {
        refuse([], `appears twice${typeof namespace === 'string' ? ` in namespace ${namespace}` : ''} (also in ${first}); Kubernetes would keep only one`);
        continue;
      }
      seen.set(key, manifest.path);
      objects.push(object as KubeObject);
    }
    const base = manifest.path.slice(MANIFESTS_FOLDER.length + 1, -'.yaml'.length);
    manifests.push({ team: base.startsWith('_') ? '' : base, path: manifest.path, objects });
  }

  // The validators synth uses: Kubernetes 1.27 and the vendored CRDs, unknown fields rejected.
  for (const issue of findManifestIssues(manifests, options.validator ?? defaultManifestValidator())) {
    issues.push({
      file: issue.file,
      path: [issue.object, ...issue.path],
      message: `${issue.message} (strict schema validation against Kubernetes 1.27 and the vendored CRDs, as synth validates every object it writes)`,
    });
  }
  // Routes: each VirtualService pins its own team's model (rendered-routes.ts).
  const namespaceOfTeam = new Map(teams.map((t) => [t.name, t.namespace]));
  const owners = new Map((options.models ?? []).map((m) => [m.name, namespaceOfTeam.get(m.team) ?? m.team]));
  issues.push(...checkRouteOwnership(manifests, stack, owners, teams));
  if (options.partial) return { manifests, rules: [], issues };
  // The gateway's token check may not be left out: without it the gateway would route requests without a token.
  for (const [key, o] of trustedGateway) {
    if (gatewaySeen.has(key)) continue;
    issues.push({
      file: `${MANIFESTS_FOLDER}/${CLUSTER_CHART}.yaml`,
      path: [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`],
      message: `is missing; the stack on the default branch renders it (modelfleet:auth) and the ingress gateway needs it to refuse requests without a valid token: render it as synth does`,
    });
  }
  // What objects depend on must be rendered too: their Namespace, their pods' PriorityClass (once per missing one).
  const missing = new Set<string>();
  for (const m of manifests) {
    for (const o of m.objects) {
      const ns = o.metadata.namespace;
      const priority = o.kind === 'Deployment' ? (o as { spec?: { template?: { spec?: { priorityClassName?: unknown } } } }).spec?.template?.spec?.priorityClassName : undefined;
      const needs: [string, (string | number)[], string][] = [];
      if (ns !== undefined && namespaces.has(ns)) needs.push([`Namespace/${ns}`, ['metadata', 'namespace'], "synth renders a team's Namespace with its objects"]);
      if (typeof priority === 'string' && tierOfClass.has(priority)) needs.push([`PriorityClass/${priority}`, ['spec', 'template', 'spec', 'priorityClassName'], "synth renders every tier's PriorityClass in manifests/_cluster.yaml"]);
      for (const [needed, path, why] of needs) {
        if (declared.has(needed) || missing.has(needed)) continue;
        missing.add(needed);
        issues.push({ file: m.path, path: [objectName(o), ...path], message: `${needed} is not among the rendered objects; ${why}` });
      }
    }
  }
  // The platform rules, as synth runs them: a mandatory violation refuses the output.
  const rules = runPlatformRules(manifests, stack);
  issues.push(...mandatoryViolations(rules));
  return { manifests, rules, issues };
}

/**
 * Reads and checks a synth output directory (`readRenderedManifests`, then
 * `checkRenderedObjects`).
 *
 * @param dir - the output directory, absolute
 * @throws SpecError with every problem when anything is refused: then nothing may be registered
 * @example
 * const { manifests, rules } = readRenderedOutput(resolve(root, 'dist'), { stack, teams: fleet.teams, shownAs: 'dist' });
 * registerFleet(manifests);
 */
export function readRenderedOutput(dir: string, options: RenderedOutputOptions): RenderedOutput {
  const limits = { ...RENDERED_OUTPUT_LIMITS, ...options.limits };
  const read = readRenderedManifests(dir, options.shownAs ?? dir, limits);
  const checked = checkRenderedObjects(read.manifests, { ...options, limits, partial: read.issues.length > 0 });
  const issues = [...read.issues, ...checked.issues];
  if (!issues.length && checked.manifests.every((m) => m.objects.length === 0)) {
    issues.push({
      file: MANIFESTS_FOLDER,
      path: [],
      message: `holds no objects; synth always renders the tiers' PriorityClasses and a Namespace per team, so ${options.shownAs ?? dir} is not a synth output`,
    });
  }
  if (issues.length) throw new SpecError(issues);
  return { manifests: checked.manifests, rules: checked.rules };
}
