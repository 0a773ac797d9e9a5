/**
 * modelfleet's public API for fleet files: `import { defineModel, defineTeam } from "modelfleet"`.
 */
export { defineModel, SLA_TIERS, FRAMEWORKS, TIER_P99_MS } from './core/spec/model-spec.ts';
export type { ModelDeclaration, TenantOverride, SlaTier, Framework, DefinedModel } from './core/spec/model-spec.ts';
export { defineTeam } from './core/spec/team-spec.ts';
export type { TeamDeclaration, TeamQuota, TeamCallers } from './core/spec/team-spec.ts';
export type { VersionRouting, CanaryVersion } from './core/spec/triton-fields.ts';
export type { Quantity } from './core/spec/quantity.ts';
