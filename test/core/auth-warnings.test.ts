/**
 * A production stack without tenant authentication gets a warning from synth
 * (and in the Pulumi preview); a stack with `modelfleet:auth`, or one not
 * marked production, gets none.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { authWarnings } from '../../core/stack/auth-warnings.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const jwt = { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', tenantClaim: 'tenant' };

describe('authWarnings', () => {
  it('warns on a production stack without modelfleet:auth, naming the file, the key and the fix', () => {
    expect(authWarnings(resolvePlatformStack('live', { production: true }, 'Pulumi.live.yaml'))).toEqual([
      {
        file: 'Pulumi.live.yaml',
        path: ['modelfleet:auth'],
        message:
          "is not set on a production stack (modelfleet:production: true): tenants are named by the x-tenant header alone, so any client that reaches the gateway can call any tenant's copy; set modelfleet:auth to require a token whose tenant claim names the tenant (docs/authentication.md)",
      },
    ]);
  });

  it('is silent with modelfleet:auth, and on stacks not marked production', () => {
    expect(authWarnings(resolvePlatformStack('live', { production: true, auth: { jwt } }, 'Pulumi.live.yaml'))).toEqual([]);
    expect(authWarnings(resolvePlatformStack('dev', {}, 'Pulumi.dev.yaml'))).toEqual([]);
  });

  it('reaches synth: the example prod stack authenticates tenants, so its synth has no such warning', async () => {
    const prod = await synthFleet({ modelsDir: 'models', stackName: 'prod', cwd: ROOT });
    expect(prod.planned.stack.production).toBe(true);
    expect(prod.warnings.filter((w) => w.path[0] === 'modelfleet:auth')).toEqual([]);
    const live = await synthFleet({ modelsDir: 'test/stacks/fleet/models', stackConfig: { name: 'live', source: 'Pulumi.live.yaml', values: { production: true } }, cwd: ROOT });
    expect(live.warnings.map((w) => `${w.file}: ${w.path.join('.')}`)).toContain('Pulumi.live.yaml: modelfleet:auth');
  });
});
