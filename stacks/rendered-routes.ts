/**
 * Route ownership in a rendered output (`modelfleet:renderedDir`): a pull
 * request's VirtualServices may route only its own team's models.
 *
 * Istio merges the VirtualServices bound to one gateway and host, and takes
 * the first route that matches; so a VirtualService in team A's namespace
 * that matches `/v2/models/<B's model>` (or everything) could take team B's
 * requests, whatever its destination. Synth never renders such a thing (a
 * model name is unique across the fleet, and each of its routes pins it),
 * but a rendered output is untrusted data. Every VirtualService must
 * therefore look as synth renders it:
 *
 * - bound to exactly its team's gateway and host (`modelfleet:routing`, or
 *   the team's `routing.gateways` entry);
 * - HTTP routes only, each with matches, and every match pinned to the one
 *   model the VirtualService is for (its `modelfleet.io/model` label): the
 *   path `/v2/models/<model>` exactly or under `/v2/models/<model>/`, or
 *   gRPC (`/inference.GRPCInferenceService/`) with the model header exactly
 *   `<model>`; no regex or other path;
 * - with `modelfleet:auth`, every forwarding match that names a tenant (the
 *   tenant header, exactly) also requires the token's tenant claim to be
 *   that tenant, as synth renders it;
 * - and that model belongs to its namespace's team: not a model the trusted
 *   fleet (the default branch) gives to another team, and not routed from
 *   another namespace of the output. A model the default branch does not
 *   know yet (new in the pull request) is the pull request's to route.
 *
 * Pure, free of Pulumi: `rendered-output.ts` calls it.
 */
import type { SpecIssue } from '../core/errors/spec-issue.ts';
import { LABEL } from '../core/plan/shard-labels.ts';
import { gatewayOf } from '../core/stack/gateways.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { FleetManifest } from '../constructs/render-fleet.ts';
import { claimRouteKey } from '../constructs/tenant-authentication.ts';
import { asList, asRecord } from '../policies/rules/kube-object.ts';

/** The prefix every gRPC inference call's path starts with. */
const GRPC_PREFIX = '/inference.GRPCInferenceService/';

/** Why `match` does not pin `model`, or `undefined` when it does. */
function unpinned(match: unknown, model: string, modelHeader: string): string | undefined {
  const m = asRecord(match);
  const uri = asRecord(m?.uri);
  if (!m || !uri) return 'has no uri condition, so it matches every path';
  const keys = Object.keys(uri);
  if (keys.length !== 1 || (keys[0] !== 'exact' && keys[0] !== 'prefix')) return `matches the uri by ${keys.join(', ') || 'nothing'}; only exact and prefix paths of the model are rendered`;
  const exact = typeof uri.exact === 'string' ? uri.exact : undefined;
  const prefix = typeof uri.prefix === 'string' ? uri.prefix : undefined;
  if (exact === `/v2/models/${model}` || prefix?.startsWith(`/v2/models/${model}/`)) return undefined;
  if (prefix === GRPC_PREFIX) {
    const header = asRecord(asRecord(m.headers)?.[modelHeader]);
    if (header && Object.keys(header).length === 1 && header.exact === model) return undefined;
    return `matches gRPC calls without requiring the ${modelHeader} header to be exactly "${model}"`;
  }
  return `matches ${JSON.stringify(exact ?? prefix)}, which is not a path of model ${model}`;
}

/**
 * With `modelfleet:auth`: why a forwarding match that names a tenant does not
 * also require the token's tenant claim to be that tenant, or `undefined`
 * when it does (or names no tenant: an untenanted model's route).
 */
function unclaimed(match: unknown, tenantHeader: string, claimKey: string): string | undefined {
  const headers = asRecord(asRecord(match)?.headers) ?? {};
  const tenant = asRecord(headers[tenantHeader]);
  const claim = asRecord(headers[claimKey]);
  if (!tenant) return claim ? `matches the token's claim without the ${tenantHeader} header` : undefined;
  if (Object.keys(tenant).length !== 1 || typeof tenant.exact !== 'string') return `matches the ${tenantHeader} header by ${Object.keys(tenant).join(', ') || 'presence'}; a route to a copy names its tenant exactly`;
  if (!claim || Object.keys(claim).length !== 1 || claim.exact !== tenant.exact) {
    return `routes tenant ${JSON.stringify(tenant.exact)} ${claim ? `with ${JSON.stringify(claimKey)} ${JSON.stringify(claim)}` : `without ${JSON.stringify(claimKey)}`}`;
  }
  return undefined;
}

/**
 * Checks every VirtualService of `manifests`; `owners` maps each model of the
 * trusted fleet to its team's namespace.
 */
export function checkRouteOwnership(manifests: readonly FleetManifest[], stack: StackConfig, owners: ReadonlyMap<string, string>, teams: readonly TeamSpec[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const routedFrom = new Map<string, string>();
  const { modelHeader } = stack.routing;
  const teamOfNamespace = new Map(teams.map((t) => [t.namespace, t.name]));
  for (const manifest of manifests) {
    for (const object of manifest.objects) {
      if (object.kind !== 'VirtualService') continue;
      const at = `VirtualService/${object.metadata.name}`;
      const refuse = (path: readonly (string | number)[], message: string) => issues.push({ file: manifest.path, path: [at, ...path], message });
      const namespace = String(object.metadata.namespace ?? '');
      const spec = asRecord((object as { spec?: unknown }).spec) ?? {};
      const model = asRecord(object.metadata.labels)?.[LABEL.model];
      if (typeof model !== 'string' || model === '') {
        refuse(['metadata', 'labels', LABEL.model], `is missing; synth labels every VirtualService with the model it routes, and routes are checked against it`);
        continue;
      }
      // The team's own gateway and host (`routing.gateways`), else the stack's.
      const { gateway, host } = gatewayOf(stack, teamOfNamespace.get(namespace) ?? '');
      if (JSON.stringify(spec.gateways) !== JSON.stringify([gateway])) refuse(['spec', 'gateways'], `is ${JSON.stringify(spec.gateways)}; the fleet's routes bind only to the stack's gateway ${JSON.stringify([gateway])}`);
      if (JSON.stringify(spec.hosts) !== JSON.stringify([host])) refuse(['spec', 'hosts'], `is ${JSON.stringify(spec.hosts)}; the fleet's routes serve only the stack's host ${JSON.stringify([host])}`);
      for (const key of ['tcp', 'tls'] as const) if (spec[key] !== undefined) refuse(['spec', key], `is set; the fleet routes HTTP and gRPC only`);
      asList(spec.http).forEach((route, i) => {
        const matches = asList(asRecord(route)?.match);
        if (!matches.length) {
          refuse(['spec', 'http', i, 'match'], `is missing, so the route takes every request on the gateway's host; every route of model ${model} matches its paths`);
          return;
        }
        matches.forEach((match, j) => {
          const why = unpinned(match, model, modelHeader);
          if (why) refuse(['spec', 'http', i, 'match', j], `${why}; a route of model ${model} must match only its own requests`);
          if (stack.auth && asRecord(route)?.route !== undefined) {
            const claimed = unclaimed(match, stack.routing.tenantHeader, claimRouteKey(stack.auth.tenantClaim));
            if (claimed) refuse(['spec', 'http', i, 'match', j, 'headers'], `${claimed}; with modelfleet:auth a route to a tenant's copy is taken only for a token whose ${JSON.stringify(stack.auth.tenantClaim)} claim is that tenant`);
          }
        });
      });
      const owner = owners.get(model);
      if (owner !== undefined && owner !== namespace) {
        refuse(['metadata', 'labels', LABEL.model], `routes model ${model}, which belongs to team namespace ${owner} on the default branch; a team routes only its own models`);
      }
      const first = routedFrom.get(model);
      if (first !== undefined && first !== namespace) refuse(['metadata', 'labels', LABEL.model], `routes model ${model}, which namespace ${first} routes too; a model belongs to one team`);
      else routedFrom.set(model, namespace);
    }
  }
  return issues;
}
