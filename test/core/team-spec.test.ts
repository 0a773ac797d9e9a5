import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { defineTeam, explainPrincipal, principalNamespace, validateTeam } from '../../core/spec/team-spec.ts';

const FILE = 'models/teams.ts';
const quota = { gpu: 8, cpu: '64', memory: '512Gi' } as const;

function problems(input: unknown): string {
  return formatIssues(validateTeam(input, FILE, [0]).issues);
}

describe('validateTeam: callers', () => {
  it('defaults to no callers when the field is left out (teams.ts files written before it stay valid)', () => {
    const { spec, issues } = validateTeam(defineTeam({ name: 'fraud', quota }), FILE, [0]);
    expect(issues).toEqual([]);
    expect(spec!.callers).toEqual({ namespaces: [], principals: [], trusted: [] });
    expect(validateTeam({ name: 'fraud', quota, callers: {} }, FILE, [0]).spec!.callers).toEqual({ namespaces: [], principals: [], trusted: [] });
  });

  it('sorts and deduplicates namespaces and principals', () => {
    const { spec, issues } = validateTeam(
      {
        name: 'fraud',
        quota,
        callers: {
          namespaces: ['payments', 'checkout', 'payments'],
          principals: ['cluster.local/ns/risk/sa/scorer', 'cluster.local/ns/checkout/sa/checkout-api', 'cluster.local/ns/risk/sa/scorer'],
        },
      },
      FILE,
      [0],
    );
    expect(issues).toEqual([]);
    expect(spec!.callers).toEqual({
      namespaces: ['checkout', 'payments'],
      principals: ['cluster.local/ns/checkout/sa/checkout-api', 'cluster.local/ns/risk/sa/scorer'],
      trusted: [],
    });
  });

  it('keeps trusted callers by principal, tenants sorted and merged', () => {
    const { spec, issues } = validateTeam(
      {
        name: 'fraud',
        quota,
        callers: {
          trusted: [
            { principal: 'cluster.local/ns/batch/sa/nightly', tenants: ['globex', 'acme'] },
            { principal: 'cluster.local/ns/audit/sa/replayer', tenants: ['acme'] },
            { principal: 'cluster.local/ns/batch/sa/nightly', tenants: ['acme', 'initech'] },
          ],
        },
      },
      FILE,
      [0],
    );
    expect(issues).toEqual([]);
    expect(spec!.callers.trusted).toEqual([
      { principal: 'cluster.local/ns/audit/sa/replayer', tenants: ['acme'] },
      { principal: 'cluster.local/ns/batch/sa/nightly', tenants: ['acme', 'globex', 'initech'] },
    ]);
  });

  it('names file, field, value and fix for a bad trusted caller', () => {
    const text = problems({
      name: 'fraud',
      quota,
      callers: { trusted: [{ principal: 'spiffe://cluster.local/ns/batch/sa/x', tenants: [] }, { principal: 'cluster.local/ns/batch/sa/y', tenants: ['Acme'], tenant: 'x' }] },
    });
    expect(text).toContain('[0].callers.trusted[0].principal: "spiffe://cluster.local/ns/batch/sa/x" starts with "spiffe://"');
    expect(text).toContain('[0].callers.trusted[0].tenants: must list at least 1 entry');
    expect(text).toContain('[0].callers.trusted[1].tenants[0]:');
    expect(text).toContain('[0].callers.trusted[1].tenant: unknown field "tenant"; did you mean "tenants"?');
  });

  it('accepts a foreign trust domain and dotted ServiceAccount names', () => {
    expect(problems({ name: 'fraud', quota, callers: { principals: ['prod.example.com/ns/batch/sa/spark.driver-1'] } })).toBe('');
  });

  it('names file, field, value and fix for bad namespaces and principals', () => {
    const text = problems({
      name: 'fraud',
      quota,
      callers: {
        namespaces: ['Payments', 42],
        principals: [
          'spiffe://cluster.local/ns/checkout/sa/api',
          'cluster.local/ns/checkout/sa/*',
          'checkout/api',
          'cluster.local/ns/Check_out/sa/api',
          'cluster.local/ns/checkout/sa/API',
          'Cluster.Local/ns/checkout/sa/api',
          7,
        ],
      },
    });
    expect(text).toMatchInlineSnapshot(`
      "models/teams.ts: [0].callers.namespaces[0]: "Payments" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "payments"
      models/teams.ts: [0].callers.namespaces[1]: expected the namespace as a string, got 42; write it in quotes: "42"
      models/teams.ts: [0].callers.principals[0]: "spiffe://cluster.local/ns/checkout/sa/api" starts with "spiffe://"; Istio principals leave it out: write "cluster.local/ns/checkout/sa/api"
      models/teams.ts: [0].callers.principals[1]: "cluster.local/ns/checkout/sa/*" has a wildcard; list each caller's identity exactly, or name its namespace in callers.namespaces to admit every workload there
      models/teams.ts: [0].callers.principals[2]: "checkout/api" is not an Istio principal: use <trust-domain>/ns/<namespace>/sa/<serviceaccount>, such as "cluster.local/ns/checkout/sa/checkout-api"
      models/teams.ts: [0].callers.principals[3]: "cluster.local/ns/Check_out/sa/api" names namespace "Check_out": "Check_out" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "check-out"
      models/teams.ts: [0].callers.principals[4]: "cluster.local/ns/checkout/sa/API" names ServiceAccount "API", which is not a ServiceAccount name: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit
      models/teams.ts: [0].callers.principals[5]: "Cluster.Local/ns/checkout/sa/api" has trust domain "Cluster.Local", which is not a trust domain such as "cluster.local" (the mesh's meshConfig.trustDomain)
      models/teams.ts: [0].callers.principals[6]: expected a principal as a string, got 7; write it in quotes, such as "cluster.local/ns/checkout/sa/checkout-api""
    `);
  });

  it('rejects unknown fields with a suggestion, and lists of the wrong shape', () => {
    expect(problems({ name: 'fraud', quota, caller: {} })).toBe('models/teams.ts: [0].caller: unknown field "caller"; did you mean "callers"?');
    expect(problems({ name: 'fraud', quota, callers: { namespace: ['payments'] } })).toBe('models/teams.ts: [0].callers.namespace: unknown field "namespace"; did you mean "namespaces"?');
    expect(problems({ name: 'fraud', quota, callers: { serviceAccounts: [] } })).toBe(
      'models/teams.ts: [0].callers.serviceAccounts: unknown field "serviceAccounts"; remove it (known fields: namespaces, principals, trusted)',
    );
    expect(problems({ name: 'fraud', quota, callers: { namespaces: 'payments' } })).toBe(
      'models/teams.ts: [0].callers.namespaces: expected a list, got "payments"; write a list such as ["payments"]',
    );
    expect(problems({ name: 'fraud', quota, callers: ['payments'] })).toMatch(/^models\/teams.ts: \[0\]\.callers: expected an object, got an array; write an object \{ namespaces, principals, trusted \}$/);
  });
});

describe('explainPrincipal', () => {
  it('accepts <trust-domain>/ns/<namespace>/sa/<serviceaccount> only', () => {
    expect(explainPrincipal('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account')).toBeUndefined();
    expect(explainPrincipal('cluster.local/ns/a/sa/b/extra')).toMatch(/is not an Istio principal/);
    expect(explainPrincipal('cluster.local/sa/b/ns/a')).toMatch(/is not an Istio principal/);
    expect(explainPrincipal('')).toMatch(/is not an Istio principal/);
  });

  it('reads the namespace of a principal', () => {
    expect(principalNamespace('cluster.local/ns/checkout/sa/api')).toBe('checkout');
  });
});
