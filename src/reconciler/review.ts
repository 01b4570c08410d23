// Pull requests for decisions above the review thresholds: one branch per object
// (gitscale/<namespace>/<name>) holding one commit rebuilt from the base head, its pull request
// updated in place, and closed (branch deleted) when the decision falls back within policy or to
// Git's value. A branch a person pushed to is left alone, with one comment saying so.
import type { ObjectConfig, RepositoryConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Forge, PullRequest } from '../forges/types.js';
import { renderMessage } from '../git/message.js';
import type { Workspace } from '../git/types.js';
import type { Logger } from '../log.js';
import { setReplicas } from '../manifests/index.js';
import { commitEntry } from './explain.js';
import { workloadTarget } from './target.js';
import type { Evaluated } from './types.js';

export const BRANCH_PREFIX = 'gitscale/';
export const branchFor = (obj: ObjectConfig) => `${BRANCH_PREFIX}${obj.namespace}/${obj.name}`;

export interface ReviewContext {
  ws: Workspace;
  forge: Forge;
  repo: RepositoryConfig;
  log: Logger;
  /** Branches already told that gitscale keeps its hands off (one comment per process). */
  handsOff: Set<string>;
}

export interface ReviewOutcome {
  pr?: PullRequest;
  error?: unknown;
  note?: string;
}

type Item = { obj: ObjectConfig; ev: Evaluated };

function prBody(item: Item, message: string): string {
  const r = item.ev.result;
  const rows = r.triggers.map((t) => `| ${t.name} | ${t.type} | ${t.value ?? '—'} | ${t.target} | ${t.active ? 'yes' : 'no'} | ${t.error ?? ''} |`);
  return [
    `gitscale proposes **${r.current} → ${r.desired}** replicas for \`${r.key}\` (${r.file}).`,
    '',
    '| trigger | type | value | target | active | error |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `**Decided by:** ${r.reason}`,
    '',
    `**Sent for review by:** ${r.routedBy}`,
    '',
    'Commit message (trailers readable by `git log`):',
    '',
    '```',
    message.trimEnd(),
    '```',
  ].join('\n');
}

async function upsert(item: Item, open: PullRequest | undefined, c: ReviewContext): Promise<ReviewOutcome> {
  const { obj, ev } = item;
  const branch = branchFor(obj);
  const ops = c.ws.branches!;
  if (open) {
    const head = await ops.branchHead(branch);
    if (head && head.authorEmail !== c.repo.author.email) {
      c.log.warn('a person pushed to the bot branch: gitscale leaves it alone', { object: obj.key, branch, pr: open.number, author: head.authorEmail });
      if (!c.handsOff.has(branch)) {
        await c.forge.comment(open.number, `Someone other than gitscale pushed to \`${branch}\` (${head.authorEmail}); gitscale will not update this branch or pull request any more. Merge or close it yourself.`);
        c.handsOff.add(branch);
      }
      return { pr: open, note: 'left alone: a person pushed to the branch' };
    }
  }
  const entry = commitEntry(obj, ev.decision!, ev.file!, ev.field ?? 'spec.replicas');
  const message = renderMessage([entry]);
  await ops.writeBranch(branch, async (read) => {
    const text = await read(ev.file!);
    if (text === null) return null;
    return { files: { [ev.file!]: setReplicas(text, workloadTarget(obj), ev.decision!.desired, ev.file!) }, message };
  }, c.repo.author);
  const title = message.split('\n')[0];
  const body = prBody(item, message);
  if (open) return { pr: await c.forge.updatePr(open.number, { title, body }) };
  const pr = await c.forge.openPr({ head: branch, base: c.repo.branch, title, body });
  await c.forge.addLabels(pr.number, c.repo.forge?.labels ?? []);
  return { pr };
}

async function close(item: Item, open: PullRequest, c: ReviewContext): Promise<void> {
  const r = item.ev.result;
  const why = r.route === 'none'
    ? `the decision is back to the value in Git (${r.current})`
    : `the decision (${r.current} → ${r.desired}) is within the review policy and is committed directly`;
  await c.forge.comment(open.number, `Superseded: ${why}.`);
  await c.forge.closePr(open.number);
  await c.ws.branches!.deleteBranch(branchFor(item.obj));
  c.log.info('pull request closed', { object: item.obj.key, pr: open.number, why });
}

/**
 * Opens or updates the pull requests of `reviewed` items, and closes the open ones of `settled`
 * items (decided within policy or unchanged). Each object's failure is its own.
 */
export async function reconcileReviews(reviewed: Item[], settled: Item[], c: ReviewContext): Promise<Map<string, ReviewOutcome>> {
  const out = new Map<string, ReviewOutcome>();
  let open: PullRequest[];
  try {
    open = await c.forge.openPrs(BRANCH_PREFIX);
  } catch (e) {
    for (const i of reviewed) out.set(i.obj.key, { error: e });
    c.log.error('listing pull requests failed', { repository: c.repo.name, error: errorMessage(e) });
    return out;
  }
  const byBranch = new Map(open.map((p) => [p.head, p]));
  for (const item of settled) {
    const pr = byBranch.get(branchFor(item.obj));
    if (!pr) continue;
    try {
      await close(item, pr, c);
    } catch (e) {
      c.log.error('closing a superseded pull request failed', { object: item.obj.key, pr: pr.number, error: errorMessage(e) });
    }
  }
  for (const item of reviewed) {
    try {
      out.set(item.obj.key, await upsert(item, byBranch.get(branchFor(item.obj)), c));
    } catch (e) {
      out.set(item.obj.key, { error: e });
    }
  }
  return out;
}
