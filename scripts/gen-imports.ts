/**
 * Generates `constructs/imports/` from upstream CRD schemas.
 *
 * Run with `npm run gen:imports [-- CRD_DIR]` (or `npx tsx scripts/gen-imports.ts
 * [CRD_DIR]`). CRD_DIR defaults to `vendor/crds` (verbatim upstream CRD YAML,
 * provenance and sha256 in its README). The output is deterministic: the same CRD
 * and the same pinned json-schema-to-typescript give byte-identical files, so
 * CI can regenerate and `git diff --exit-code constructs/imports`.
 *
 * The openAPIV3Schema is rewritten before generation, never the output:
 * - validation-only `oneOf`/`anyOf`/`not` blocks (they only list `required`
 *   fields, e.g. "exactly one of exact, prefix, regex") are dropped, since
 *   TypeScript cannot express them usefully and json-schema-to-typescript
 *   would turn them into unreadable unions;
 * - `x-kubernetes-int-or-string` becomes `number | string`;
 * - `x-kubernetes-preserve-unknown-fields` keeps an index signature, every
 *   other object is closed (no `[k: string]: unknown`), so typos in a spec fail
 *   to type-check;
 * - a few sub-schemas get Istio's own message names as titles so the
 *   generated file exports them as named interfaces.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { parse } from 'yaml';
import { REPO_ROOT, VENDORED_CRD_DIR } from './vendored-crds.ts';

/** One generated module: which CRD, which served version, and the names to give sub-schemas. */
export interface ImportSpec {
  /** CRD file name inside the CRD directory. */
  readonly crdFile: string;
  /** Served version whose schema is used (`v1`). */
  readonly version: string;
  /** Output file, relative to `constructs/imports/`. */
  readonly outFile: string;
  /** Dotted paths below `spec` (`http[]` = array items) → exported interface name. */
  readonly titles: Readonly<Record<string, string>>;
  /** Interface name of `spec`. */
  readonly specName: string;
}


/** Every generated module. */
export const IMPORTS: readonly ImportSpec[] = [
  {
    crdFile: 'networking.istio.io_virtualservices.yaml',
    version: 'v1',
    outFile: 'networking.istio.io.ts',
    specName: 'VirtualServiceSpec',
    titles: {
      'http[]': 'HttpRoute',
      'http[].match[]': 'HttpMatchRequest',
      'http[].match[].uri': 'StringMatch',
      'http[].route[]': 'HttpRouteDestination',
      'http[].route[].destination': 'Destination',
      'http[].route[].destination.port': 'PortSelector',
      'http[].retries': 'HttpRetry',
      'tcp[]': 'TcpRoute',
      'tls[]': 'TlsRoute',
    },
  },
  {
    crdFile: 'networking.istio.io_destinationrules.yaml',
    version: 'v1',
    outFile: 'networking.istio.io.destinationrule.ts',
    specName: 'DestinationRuleSpec',
    titles: {
      trafficPolicy: 'TrafficPolicy',
      'trafficPolicy.connectionPool': 'ConnectionPoolSettings',
      'trafficPolicy.connectionPool.http': 'HttpConnectionPoolSettings',
      'trafficPolicy.connectionPool.tcp': 'TcpConnectionPoolSettings',
      'trafficPolicy.loadBalancer': 'LoadBalancerSettings',
      'trafficPolicy.outlierDetection': 'OutlierDetection',
      'subsets[]': 'Subset',
    },
  },
  {
    crdFile: 'security.istio.io_authorizationpolicies.yaml',
    version: 'v1',
    outFile: 'security.istio.io.ts',
    specName: 'AuthorizationPolicySpec',
    titles: {
      selector: 'WorkloadSelector',
      'rules[]': 'Rule',
      'rules[].from[]': 'RuleFrom',
      'rules[].from[].source': 'Source',
      'rules[].to[]': 'RuleTo',
      'rules[].to[].operation': 'Operation',
      'rules[].when[]': 'Condition',
    },
  },
  {
    crdFile: 'keda.sh_scaledobjects.yaml',
    version: 'v1alpha1',
    outFile: 'keda.sh.ts',
    specName: 'ScaledObjectSpec',
    titles: {
      scaleTargetRef: 'ScaleTarget',
      'triggers[]': 'ScaleTrigger',
      advanced: 'AdvancedConfig',
      'advanced.horizontalPodAutoscalerConfig': 'HorizontalPodAutoscalerConfig',
      'advanced.horizontalPodAutoscalerConfig.behavior': 'HorizontalPodAutoscalerBehavior',
    },
  },
  {
    crdFile: 'monitoring.coreos.com_servicemonitors.yaml',
    version: 'v1',
    outFile: 'monitoring.coreos.com.ts',
    specName: 'ServiceMonitorSpec',
    titles: {
      'endpoints[]': 'Endpoint',
      selector: 'LabelSelector',
      namespaceSelector: 'NamespaceSelector',
    },
  },
  {
    crdFile: 'networking.istio.io_envoyfilters.yaml',
    version: 'v1alpha3',
    outFile: 'networking.istio.io.envoyfilter.ts',
    specName: 'EnvoyFilterSpec',
    titles: {
      workloadSelector: 'WorkloadSelector',
      'configPatches[]': 'EnvoyConfigObjectPatch',
      'configPatches[].match': 'EnvoyConfigObjectMatch',
      'configPatches[].match.listener': 'ListenerMatch',
      'configPatches[].match.listener.filterChain': 'FilterChainMatch',
      'configPatches[].match.listener.filterChain.filter': 'FilterMatch',
      'configPatches[].patch': 'Patch',
    },
  },
  {
    crdFile: 'security.istio.io_requestauthentications.yaml',
    version: 'v1',
    outFile: 'security.istio.io.requestauthentication.ts',
    specName: 'RequestAuthenticationSpec',
    titles: {
      selector: 'WorkloadSelector',
      'jwtRules[]': 'JwtRule',
      'jwtRules[].fromHeaders[]': 'JwtHeader',
      'jwtRules[].outputClaimToHeaders[]': 'ClaimToHeader',
    },
  },
  {
    crdFile: 'security.istio.io_peerauthentications.yaml',
    version: 'v1',
    outFile: 'security.istio.io.peerauthentication.ts',
    specName: 'PeerAuthenticationSpec',
    titles: {
      selector: 'WorkloadSelector',
      mtls: 'MutualTls',
    },
  },
];

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when a schema only states which fields are required (a validation-only combinator branch). */
function isRequiredOnly(s: unknown): boolean {
  if (!isObject(s)) return false;
  return Object.entries(s).every(([k, v]) => {
    if (k === 'required') return true;
    if (k === 'not') return isRequiredOnly(v);
    if (k === 'anyOf' || k === 'oneOf' || k === 'allOf') return Array.isArray(v) && v.every(isRequiredOnly);
    return false;
  });
}

/** Rewrites one CRD schema node for type generation (see the file comment). */
function prepare(node: unknown, path: string, titles: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(node)) return node.map((n) => prepare(n, path, titles));
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations') continue;
    if ((key === 'oneOf' || key === 'anyOf' || key === 'allOf') && Array.isArray(value) && value.every(isRequiredOnly)) continue;
    if (key === 'not' && isRequiredOnly(value)) continue;
    if (key === 'properties' && isObject(value)) {
      const props: Schema = {};
      for (const name of Object.keys(value).sort()) {
        props[name] = prepare(value[name], path ? `${path}.${name}` : name, titles);
      }
      out.properties = props;
      continue;
    }
    if (key === 'items') {
      out.items = prepare(value, `${path}[]`, titles);
      continue;
    }
    out[key] = prepare(value, path, titles);
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.type = ['integer', 'string'];
  }
  if (out.type === 'object') {
    if (out['x-kubernetes-preserve-unknown-fields'] === true) out.additionalProperties = true;
    else if (out.additionalProperties === undefined) out.additionalProperties = false;
  }
  const title = titles[path];
  if (title) out.title = title;
  else delete out.title;
  return out;
}

const BANNER = (spec: ImportSpec, source: string) =>
  [
    '/* eslint-disable */',
    '/**',
    ` * GENERATED FILE - DO NOT EDIT. Regenerate with \`npx tsx scripts/gen-imports.ts\`.`,
    ' *',
    ` * Types of the \`spec\` of ${source} (served version \`${spec.version}\`), generated by`,
    ' * json-schema-to-typescript from the CRD openAPIV3Schema in',
    ` * vendor/crds/${spec.crdFile}.`,
    ' */',
  ].join('\n');

/** Generates one module's text. */
export async function generateImport(spec: ImportSpec, crdDir: string): Promise<string> {
  const crd = parse(readFileSync(join(crdDir, spec.crdFile), 'utf8')) as {
    spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
  };
  const version = crd.spec.versions.find((v) => v.name === spec.version);
  if (!version) throw new Error(`${spec.crdFile} serves no version ${spec.version}`);
  const root = version.schema.openAPIV3Schema;
  const specSchema = (root.properties as Schema | undefined)?.spec;
  if (!isObject(specSchema)) throw new Error(`${spec.crdFile} ${spec.version} has no spec schema`);
  const prepared = prepare(specSchema, '', spec.titles) as Schema;
  prepared.title = spec.specName;
  const source = `${crd.spec.group}/${spec.version} ${crd.spec.names.kind}`;
  const ts = await compile(prepared as JSONSchema, spec.specName, {
    bannerComment: BANNER(spec, source),
    additionalProperties: false,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  return ts;
}

/** Default CRD directory: the CRDs vendored in `vendor/crds/` (provenance in its README). */
export const DEFAULT_CRD_DIR = VENDORED_CRD_DIR;

/** Output directory of the generated modules. */
export const IMPORTS_DIR = join(REPO_ROOT, 'constructs', 'imports');

async function main(): Promise<void> {
  const crdDir = resolve(process.argv[2] ?? DEFAULT_CRD_DIR);
  const outDir = IMPORTS_DIR;
  mkdirSync(outDir, { recursive: true });
  for (const spec of IMPORTS) {
    const text = await generateImport(spec, crdDir);
    writeFileSync(join(outDir, spec.outFile), text);
    console.log(`wrote constructs/imports/${spec.outFile}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
