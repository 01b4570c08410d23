// Reading the files a kustomize render asks for: the render is pure and says which files it has
// not read yet; each round reads all of those at once (a level of the kustomization tree), until
// it answers. Shared by the count of one object (current.ts) and the repository's overlays.
import type { ReadFn } from '../../git/types.js';

/** Kustomizations nested deeper than this are refused by the render itself; this bounds the reading. */
export const MAX_ROUNDS = 64;

type Need = { kind: 'need'; paths: string[] };

/** `attempt`'s answer once it needs no more files (undefined past MAX_ROUNDS); `texts` keeps what was read. */
export async function withFiles<T extends { kind: string }>(
  read: ReadFn,
  texts: Map<string, string | null>,
  attempt: (files: (p: string) => string | null | undefined) => T | Need,
): Promise<Exclude<T, Need> | undefined> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const r = attempt((p) => texts.get(p));
    if (r.kind !== 'need') return r as Exclude<T, Need>;
    const paths = (r as Need).paths;
    const read_ = await Promise.all(paths.map((p) => read(p)));
    paths.forEach((p, i) => texts.set(p, read_[i]));
  }
  return undefined;
}
