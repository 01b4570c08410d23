// The `gitscale.dev/*` annotations a ScaledObject may carry. Any other key under gitscale.dev/ is
// a typo that would otherwise be ignored in silence (gitscale.dev/feild), so it is an error
// with the nearest known key as a suggestion.
import type { Problem } from './fields.js';
import { REVIEW_ANNOTATIONS } from './review.js';

export const ANNOTATION_REPOSITORY = 'gitscale.dev/repository';
export const ANNOTATION_PATH = 'gitscale.dev/path';
export const ANNOTATION_FIELD = 'gitscale.dev/field';
/** `never`: no direct scale patch for this object, even from zero (default: `allowed`). */
export const ANNOTATION_DIRECT_PATCH = 'gitscale.dev/direct-patch';
/** `<namespace>/<name>` of the Argo CD Application to nudge, instead of finding it by repoURL and path. */
export const ANNOTATION_ARGOCD_APPLICATION = 'gitscale.dev/argocd-application';

const PREFIX = 'gitscale.dev/';

/** Every gitscale.dev/ key gitscale reads. */
export const KNOWN_ANNOTATIONS: readonly string[] = [
  ANNOTATION_REPOSITORY,
  ANNOTATION_PATH,
  ANNOTATION_FIELD,
  ANNOTATION_DIRECT_PATCH,
  ANNOTATION_ARGOCD_APPLICATION,
  ...Object.values(REVIEW_ANNOTATIONS),
];

export const annotationField = (key: string): string => `metadata.annotations["${key}"]`;

/** Levenshtein distance (insert, delete, substitute), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate nearest to `word` if it is near enough to be a typo of it (ties: the first). */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  // A third of the word's length, at least 2: `feild` → field, `reveiw-step-above` → review-step-above.
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

/** A problem for each gitscale.dev/ annotation that gitscale does not read. */
export function checkAnnotations(annotations: Record<string, string>, problems: Problem[]): void {
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(PREFIX) || KNOWN_ANNOTATIONS.includes(key)) continue;
    const near = didYouMean(
      key.slice(PREFIX.length),
      KNOWN_ANNOTATIONS.map((k) => k.slice(PREFIX.length)),
    );
    const hint = near ? `did you mean ${PREFIX}${near}? ` : '';
    problems.push({
      field: annotationField(key),
      message: `unknown gitscale annotation: ${hint}(known: ${KNOWN_ANNOTATIONS.join(', ')})`,
      code: 'CONFIG_UNKNOWN_ANNOTATION',
    });
  }
}
