/**
 * What a production stack should not lack, as warnings: synth prints them,
 * the Pulumi program shows them in the preview, nothing is written.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { StackConfig } from './stack-config.ts';

/**
 * A warning when a stack marked `modelfleet:production: true` does not
 * authenticate tenants (`modelfleet:auth`): then the tenant header alone
 * names the tenant, and any client that reaches the gateway can name any.
 */
export function authWarnings(stack: StackConfig): SpecIssue[] {
  if (!stack.production || stack.auth) return [];
  return [
    {
      file: stack.file,
      path: ['modelfleet:auth'],
      message: `is not set on a production stack (modelfleet:production: true): tenants are named by the ${stack.routing.tenantHeader} header alone, so any client that reaches the gateway can call any tenant's copy; set modelfleet:auth to require a token whose tenant claim names the tenant (docs/authentication.md)`,
    },
  ];
}
