// A forge whose client loads at its first call (octokit is most of a start): a run that opens no pull
// request never loads it. One wrapper for every forge, forwarding every method of the interface.
import type { Forge } from './types.js';

/** The names of Forge's methods (not `kind`). */
type Method = { [K in keyof Forge]-?: NonNullable<Forge[K]> extends (...args: never[]) => unknown ? K : never }[keyof Forge];

/**
 * Every method of Forge, once: tsc refuses this map when the interface gains a method it lacks or it
 * names one the interface does not have, so the wrapper forwards exactly the interface (an unknown
 * name is not a property of it, never a call that resolves to nothing).
 */
const METHODS: Record<Method, true> = {
  findPr: true,
  openPrs: true,
  openPr: true,
  updatePr: true,
  closePr: true,
  comment: true,
  addLabels: true,
  requestReviewers: true,
  enableAutomerge: true,
};

/** `load` runs at the first call of any method, once; its forge answers that call and every later one. */
export function lazyForge(kind: string, load: () => Promise<Forge>): Forge {
  let forge: Promise<Forge> | undefined;
  const lazy: Record<string, unknown> = { kind };
  for (const m of Object.keys(METHODS) as Method[]) {
    lazy[m] = async (...args: unknown[]) => {
      const f = await (forge ??= load());
      return (f[m] as (...a: unknown[]) => Promise<unknown>).apply(f, args);
    };
  }
  return lazy as unknown as Forge;
}
