// Review thresholds: a decision that crosses any of them goes to a pull request instead of a
// commit. Repository defaults in `repositories[].review`, overridden per object by annotations.
import { isObj, type Problem } from './fields.js';
import type { ReviewPolicy } from './types.js';

export const REVIEW_ANNOTATIONS = {
  aboveReplicas: 'gitscale.dev/review-above-replicas',
  stepAbove: 'gitscale.dev/review-step-above',
  stepPercentAbove: 'gitscale.dev/review-step-percent-above',
  scaleIn: 'gitscale.dev/review-scale-in',
} as const;

type Key = keyof typeof REVIEW_ANNOTATIONS;

function parseValue(key: Key, v: unknown): number | boolean | undefined {
  if (key === 'scaleIn') return v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function read(get: (k: Key) => unknown, field: (k: Key) => string, problems: Problem[]): ReviewPolicy {
  const out: ReviewPolicy = {};
  for (const key of Object.keys(REVIEW_ANNOTATIONS) as Key[]) {
    const raw = get(key);
    if (raw === undefined) continue;
    const v = parseValue(key, raw);
    if (v === undefined) {
      problems.push({
        field: field(key),
        message:
          key === 'scaleIn'
            ? `must be "true" or "false", got ${JSON.stringify(raw)}`
            : `must be a whole number ≥ 0, got ${JSON.stringify(raw)}`,
        code: 'CONFIG_REVIEW',
      });
      continue;
    }
    (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

/** `repositories[i].review: { aboveReplicas, stepAbove, stepPercentAbove, scaleIn }`. */
export function readRepositoryReview(raw: unknown, field: string, problems: Problem[]): ReviewPolicy {
  if (raw === undefined || raw === null) return {};
  if (!isObj(raw)) {
    problems.push({ field, message: 'must be a map of aboveReplicas, stepAbove, stepPercentAbove, scaleIn', code: 'CONFIG_TYPE' });
    return {};
  }
  for (const k of Object.keys(raw))
    if (!(k in REVIEW_ANNOTATIONS))
      problems.push({
        field: `${field}.${k}`,
        message: `unknown review setting (known: ${Object.keys(REVIEW_ANNOTATIONS).join(', ')})`,
        code: 'CONFIG_REVIEW',
      });
  return read(
    (k) => raw[k],
    (k) => `${field}.${k}`,
    problems,
  );
}

/** The object's own thresholds from its `gitscale.dev/review-*` annotations. */
export function readReviewAnnotations(annotations: Record<string, string>, problems: Problem[]): ReviewPolicy {
  return read(
    (k) => annotations[REVIEW_ANNOTATIONS[k]],
    (k) => `metadata.annotations["${REVIEW_ANNOTATIONS[k]}"]`,
    problems,
  );
}
