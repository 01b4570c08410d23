// The forges a repository's `forge.type` may name (docs/architecture.md §8), keys sorted: each with
// the API address it is reached at when `forge.url` is not set. cli/forges.ts builds each one's client
// and tsc holds its registry to these keys, so a forge config accepts always has a client.
export const forgeApiDefaults = {
  /** The server origin (and any path it is served under) before `owner/repo`. */
  gitea: (repo: URL) =>
    repo.origin +
    repo.pathname
      .replace(/\.git$/, '')
      .split('/')
      .filter(Boolean)
      .slice(0, -2)
      .map((p) => `/${p}`)
      .join(''),
  /** github.com's API, or GitHub Enterprise's under the server's /api/v3. */
  github: (repo: URL) => (repo.hostname === 'github.com' ? 'https://api.github.com' : `${repo.origin}/api/v3`),
} satisfies Record<string, (repo: URL) => string>;

export type ForgeType = keyof typeof forgeApiDefaults;

export const FORGE_TYPES = Object.keys(forgeApiDefaults) as ForgeType[];

export function isForgeType(type: unknown): type is ForgeType {
  return typeof type === 'string' && Object.hasOwn(forgeApiDefaults, type);
}
