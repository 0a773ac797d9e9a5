/**
 * The selection of a subset stack without Pulumi: which objects a team owns
 * (`selectFleet`), the check of `modelfleet:teams` against the fleet
 * (`checkSelectedTeams`), which advisory warnings a stack shows
 * (`concernsSelection`), and `registerFleet`'s checks of PriorityClasses
 * another stack registers.
 */
import { describe, expect, it } from 'vitest';
import type { FleetManifest, KubeObject } from '../../constructs/render-fleet.ts';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { checkSelectedTeams, concernsSelection, selectFleet, WHOLE_FLEET } from '../../stacks/fleet-selection.ts';
import { FleetRegistrationError, registerFleet } from '../../stacks/register-fleet.ts';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: {} });
const pc = (name: string): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 1000 } as KubeObject);
const deployment = (namespace: string, name: string, priorityClassName: string): KubeObject =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { selector: {}, template: { spec: { priorityClassName, containers: [] } } } }) as KubeObject;

const TEAMS = [
  { name: 'fraud', namespace: 'fraud' },
  { name: 'search', namespace: 'search' },
];
const MANIFESTS: FleetManifest[] = [
  { team: '', path: 'manifests/_cluster.yaml', objects: [pc('modelfleet-batch'), pc('modelfleet-realtime'), cm('istio-system', 'gateway-thing')] },
  { team: 'fraud', path: 'manifests/fraud.yaml', objects: [ns('fraud'), cm('fraud', 'a'), deployment('fraud', 'd', 'modelfleet-realtime')] },
  // A search file that also holds a fraud object: ownership follows the namespace, not the file.
  { team: 'search', path: 'manifests/search.yaml', objects: [ns('search'), cm('search', 'b'), cm('fraud', 'stray')] },
];
const names = (manifests: readonly FleetManifest[]) => manifests.flatMap((m) => m.objects.map((o) => `${o.metadata.namespace ?? '-'}/${o.kind}/${o.metadata.name}`));

describe('selectFleet', () => {
  it('returns the manifests unchanged for the whole fleet', () => {
    const selected = selectFleet(MANIFESTS, WHOLE_FLEET, TEAMS);
    expect(selected.manifests).toBe(MANIFESTS);
    expect(selected).toMatchObject({ teams: ['fraud', 'search'], platformObjects: true, externalPriorityClasses: [] });
  });

  it("keeps a team's Namespace and every object in its namespace, whatever the file, and names the PriorityClasses left to another stack", () => {
    const selected = selectFleet(MANIFESTS, { teams: ['fraud'], platformObjects: false }, TEAMS);
    expect(names(selected.manifests)).toEqual(['-/Namespace/fraud', 'fraud/ConfigMap/a', 'fraud/Deployment/d', 'fraud/ConfigMap/stray']);
    expect(selected.manifests.map((m) => m.path)).toEqual(['manifests/fraud.yaml', 'manifests/search.yaml']);
    expect(selected.externalPriorityClasses).toEqual(['modelfleet-batch', 'modelfleet-realtime']);
  });

  it('keeps the platform objects (everything outside the teams\' namespaces) for the stack that owns them', () => {
    const selected = selectFleet(MANIFESTS, { teams: ['search'], platformObjects: true }, TEAMS);
    expect(names(selected.manifests)).toEqual(['-/PriorityClass/modelfleet-batch', '-/PriorityClass/modelfleet-realtime', 'istio-system/ConfigMap/gateway-thing', '-/Namespace/search', 'search/ConfigMap/b']);
    expect(selected.externalPriorityClasses).toEqual([]);
  });

  it('partitions the objects: the stacks of a split hold each object once', () => {
    const parts = [
      selectFleet(MANIFESTS, { teams: ['fraud'], platformObjects: false }, TEAMS),
      selectFleet(MANIFESTS, { teams: ['search'], platformObjects: true }, TEAMS),
    ];
    expect(parts.flatMap((p) => names(p.manifests)).sort()).toEqual(names(MANIFESTS).sort());
  });
});

describe('checkSelectedTeams', () => {
  const message = (teams: readonly string[], known = TEAMS) => {
    try {
      checkSelectedTeams({ teams, platformObjects: false }, known, 'Pulumi.prod.yaml', 'models/teams.ts');
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      return (error as SpecError).message;
    }
    return 'accepted';
  };

  it('accepts the fleet\'s teams and no selection', () => {
    expect(message(['search', 'fraud'])).toBe('accepted');
    expect(() => checkSelectedTeams(WHOLE_FLEET, TEAMS, 'Pulumi.prod.yaml', 'models/teams.ts')).not.toThrow();
  });

  it('names the key, the value, the closest team and, for a large fleet, the closest of its teams', () => {
    expect(message(['fruad'])).toBe(
      'Pulumi.prod.yaml: modelfleet:teams[0]: "fruad" is not a team of the fleet (did you mean "fraud"?); its teams are fraud, search. List teams models/teams.ts declares, or remove the key to apply every team',
    );
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `team-${String(i).padStart(3, '0')}`, namespace: `team-${String(i).padStart(3, '0')}` }));
    expect(message(['team-1000'], many)).toBe(
      'Pulumi.prod.yaml: modelfleet:teams[0]: "team-1000" is not a team of the fleet (did you mean "team-000"?); it has 40 teams; the closest are team-000, team-001, team-002, team-003, team-004, team-005, team-006, team-007. List teams models/teams.ts declares, or remove the key to apply every team',
    );
  });
});

describe('concernsSelection', () => {
  it("keeps warnings on the stack's own manifests and on every other file", () => {
    const selected = selectFleet(MANIFESTS, { teams: ['fraud'], platformObjects: false }, TEAMS);
    expect(concernsSelection('manifests/fraud.yaml', selected)).toBe(true);
    expect(concernsSelection('manifests/search.yaml', selected)).toBe(false);
    expect(concernsSelection('manifests/_cluster.yaml', selected)).toBe(false);
    expect(concernsSelection('models/teams.ts', selected)).toBe(true);
    expect(concernsSelection('manifests/_cluster.yaml', selectFleet(MANIFESTS, { teams: [], platformObjects: true }, TEAMS))).toBe(true);
  });
});

describe('registerFleet with PriorityClasses of another stack', () => {
  const fraudOnly: FleetManifest[] = [{ team: 'fraud', path: 'manifests/fraud.yaml', objects: [ns('fraud'), deployment('fraud', 'd', 'modelfleet-realtime')] }];
  const problems = (manifests: FleetManifest[], externalPriorityClasses?: string[]) => {
    try {
      registerFleet(manifests, { ...(externalPriorityClasses ? { externalPriorityClasses } : {}) });
    } catch (error) {
      expect(error).toBeInstanceOf(FleetRegistrationError);
      return (error as FleetRegistrationError).problems;
    }
    return [];
  };

  it('still refuses a PriorityClass that is neither rendered nor registered by another stack', () => {
    expect(problems(fraudOnly)).toEqual([
      'manifests/fraud.yaml: apps/v1 Deployment fraud/d: PriorityClass modelfleet-realtime is not among the rendered objects; render it so the pods can depend on it',
    ]);
    expect(problems(fraudOnly, ['modelfleet-batch'])).toHaveLength(1);
  });

  it('refuses a PriorityClass both rendered and said to be registered by another stack', () => {
    const withClass: FleetManifest[] = [{ team: '', path: 'manifests/_cluster.yaml', objects: [pc('modelfleet-realtime')] }, ...fraudOnly];
    expect(problems(withClass, ['modelfleet-realtime'])).toEqual([
      'manifests/fraud.yaml: apps/v1 Deployment fraud/d: PriorityClass modelfleet-realtime is both rendered and registered by another stack (externalPriorityClasses); it must be one or the other',
    ]);
  });
});
