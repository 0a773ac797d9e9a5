/**
 * Kubernetes label selectors (`matchLabels` and `matchExpressions`).
 *
 * All requirements are ANDed. An empty selector `{}` selects everything.
 * Operators: `In` (key present with a listed value), `NotIn` (key absent or
 * value not listed), `Exists`, `DoesNotExist`.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';

/** One `matchExpressions` entry. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** A Kubernetes `LabelSelector`. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** Labels of an object. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Whether a label selector selects an object with `labels`.
 *
 * @throws MeshEvaluationError (`invalid`) for malformed requirements (e.g. `In` without values).
 */
export function selectorMatches(selector: LabelSelector, labels: Labels, location?: MeshErrorLocation): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  for (const [i, req] of (selector.matchExpressions ?? []).entries()) {
    const where = { ...location, field: `${location?.field ?? ''}${location?.field ? '.' : ''}matchExpressions[${i}]` };
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) throw new MeshEvaluationError('invalid', `operator ${req.operator} needs a non-empty values list`, where);
        const listed = has && values.includes(labels[req.key]!);
        if (req.operator === 'In' ? !listed : listed) return false;
        break;
      }
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new MeshEvaluationError('invalid', `operator ${req.operator} takes no values`, where);
        if (req.operator === 'Exists' ? !has : has) return false;
        break;
      default:
        throw new MeshEvaluationError('invalid', `unknown operator ${JSON.stringify((req as { operator: unknown }).operator)}`, where);
    }
  }
  return true;
}
