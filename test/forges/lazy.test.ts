// The lazy forge: nothing loads before the first call, then every method of the interface reaches the loaded forge.
import { describe, expect, it } from 'vitest';
import { createGitea } from '../../src/forges/gitea/index.js';
import { lazyForge } from '../../src/forges/lazy.js';
import type { Forge } from '../../src/forges/types.js';

/** A forge each of whose methods answers its name, its arguments and whether `this` was the forge. */
function recording(): Forge {
  const forge: Record<string, unknown> = { kind: 'fake' };
  for (const m of Object.keys(createGitea({ url: 'http://unused', owner: 'o', repo: 'r', token: '', fetch }))) {
    if (m !== 'kind')
      forge[m] = async function (this: unknown, ...args: unknown[]) {
        return { m, args, self: this === forge };
      };
  }
  return forge as unknown as Forge;
}

describe('lazyForge', () => {
  it('loads at the first call, once, however many calls follow or run together', async () => {
    let loads = 0;
    const f = lazyForge('fake', async () => (loads++, recording()));
    expect(loads).toBe(0);
    expect(f.kind).toBe('fake');
    await Promise.all([f.findPr('a'), f.openPrs('b'), f.closePr(1)]);
    await f.comment(2, 'c');
    expect(loads).toBe(1);
  });

  it('forwards every method a forge has, with its arguments, to the loaded forge', async () => {
    const real = recording();
    const f = lazyForge('fake', async () => real);
    expect(Object.keys(f).sort()).toEqual(Object.keys(real).sort());
    const asked = await Promise.all(
      Object.keys(real)
        .filter((m) => m !== 'kind')
        .map((m) => (f as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m](m, 7)),
    );
    expect(asked).toEqual(
      Object.keys(real)
        .filter((m) => m !== 'kind')
        .map((m) => ({ m, args: [m, 7], self: true })),
    );
  });

  it('has no method the interface lacks', () => {
    expect((lazyForge('fake', async () => recording()) as unknown as Record<string, unknown>).mergeEverything).toBeUndefined();
  });

  it('a load that fails fails the call', async () => {
    const f = lazyForge('fake', async () => {
      throw new Error('no octokit');
    });
    await expect(f.openPrs('x')).rejects.toThrow('no octokit');
  });
});
