// The parts of Gitea's pull request answer gitscale reads (modules/structs/pull.go), checked.
import { ForgeError, type PullRequest } from '../types.js';

export interface GiteaPull {
  number: number;
  state: string;
  merged: boolean;
  title: string;
  body: string;
  html_url: string;
  /**
   * `label` is the head branch's name, always; `ref` is too, but only while Gitea can resolve the
   * branch: while a push updates it, the list endpoint answers `refs/pull/<n>/head` instead
   * (services/convert/pull.go, ToAPIPullRequests).
   */
  head: { label?: string; ref: string; sha: string; repo_id?: number; repo?: { full_name?: string } | null };
  base: { ref: string; repo_id?: number; repo?: { full_name?: string } | null };
  labels?: { name: string }[] | null;
}

export function parsePull(raw: unknown): PullRequest {
  const p = raw as Partial<GiteaPull>;
  if (
    typeof p?.number !== 'number' ||
    (p.state !== 'open' && p.state !== 'closed') ||
    typeof p.head?.ref !== 'string' ||
    typeof p.base?.ref !== 'string'
  ) {
    throw new ForgeError('FORGE_SCHEMA', `gitea: unexpected pull request answer: ${JSON.stringify(raw).slice(0, 200)}`, {
      status: 200,
      forge: 'gitea',
    });
  }
  return {
    number: p.number,
    state: p.state,
    merged: p.merged === true,
    head: typeof p.head.label === 'string' && p.head.label !== '' ? p.head.label : p.head.ref,
    headSha: p.head.sha ?? '',
    base: p.base.ref,
    fromSameRepository:
      (p.head.repo_id !== undefined && p.head.repo_id === p.base.repo_id) ||
      (!!p.head.repo?.full_name && p.head.repo.full_name === p.base.repo?.full_name),
    title: p.title ?? '',
    body: p.body ?? '',
    url: p.html_url ?? '',
    labels: (p.labels ?? []).map((l) => l.name),
  };
}
