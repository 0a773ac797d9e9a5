/**
 * The one error type of the mesh evaluators.
 *
 * The evaluators refuse to guess: when a configuration is invalid, uses a
 * feature they do not model, or relies on behaviour that Istio documents
 * ambiguously (or that differs between Istio versions), they throw a
 * `MeshEvaluationError` instead of returning an answer that might be wrong.
 * A proof test that passes therefore never rests on a guess.
 */

/**
 * Why an evaluation was refused.
 *
 * - `invalid`: Istio or Kubernetes would reject the object (or the request is malformed).
 * - `unsupported`: a valid feature that these evaluators do not model.
 * - `ambiguous`: the outcome depends on undocumented or version-dependent behaviour.
 */
export type MeshErrorCode = 'invalid' | 'unsupported' | 'ambiguous';

/** Where in which object the problem sits. */
export interface MeshErrorLocation {
  /** The object, e.g. `VirtualService tenants/acme`. */
  readonly object?: string;
  /** The field path inside the object, e.g. `spec.http[0].match[1].uri.regex`. */
  readonly field?: string;
}

/**
 * Thrown when an evaluator cannot give a faithful answer.
 *
 * @example
 * expect(() => routeAtGateway(vss, 'istio-system/gw', req)).toThrow(MeshEvaluationError);
 */
export class MeshEvaluationError extends Error {
  /** Why the evaluation was refused. */
  readonly code: MeshErrorCode;
  /** The object involved, if any. */
  readonly object?: string;
  /** The field path involved, if any. */
  readonly field?: string;

  constructor(code: MeshErrorCode, message: string, location: MeshErrorLocation = {}) {
    const where = [location.object, location.field].filter((s): s is string => s !== undefined && s !== '').join(': ');
    super(`[${code}] ${where === '' ? '' : `${where}: `}${message}`);
    this.name = 'MeshEvaluationError';
    this.code = code;
    if (location.object !== undefined) this.object = location.object;
    if (location.field !== undefined) this.field = location.field;
  }
}
