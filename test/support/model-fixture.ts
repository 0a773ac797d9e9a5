/**
 * Validated model specs for unit tests, built from partial declarations with
 * sensible defaults (an ONNX realtime model of 1Gi on S3).
 */
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { validateModel, type ModelSpec } from '../../core/spec/model-spec.ts';

/** Validates `decl` as `models/<team>/<name>.ts`; throws the formatted issues when it is invalid. */
export function model(team: string, decl: Record<string, unknown>): ModelSpec {
  const { spec, issues } = validateModel(
    { framework: 'onnx', tier: 'realtime', memory: '1Gi', artifact: decl.tenants ? 's3://ml-models/m/{tenant}' : 's3://ml-models/m', ...decl },
    `models/${team}/${String(decl.name)}.ts`,
    team,
  );
  if (!spec) throw new Error(formatIssues(issues));
  return spec;
}

/** `n` tenant names: `t000`, `t001`, … (or with another prefix). */
export const tenants = (n: number, prefix = 't'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
