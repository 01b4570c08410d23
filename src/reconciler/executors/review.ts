// Pull requests for decisions above the review thresholds: one branch per object
// (gitscale/<namespace>/<name>) holding one commit rebuilt from the base head, its pull request
// updated in place, and closed (branch deleted) when the decision falls back within policy or to
// Git's value. A branch a person pushed to is left alone, with one comment saying so.
import type { ObjectConfig, RepositoryConfig } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import type { Forge, PullRequest } from '../../forges/types.js';
import { renderMessage, TRAILER_ROUTE } from '../../git/message.js';
import type { Workspace } from '../../git/types.js';
import type { Logger } from '../../log.js';
import { setReplicas } from '../../manifests/index.js';
import { commitEntry } from '../tick/commit-words.js';
import { workloadTarget } from '../target/locate.js';
import type { Item } from '../tick/plan.js';

export const BRANCH_PREFIX = 'gitscale/';
export const branchFor = (obj: ObjectConfig) => `${BRANCH_PREFIX}${obj.namespace}/${obj.name}`;

export interface ReviewContext {
  ws: Workspace;
  forge: Forge;
  repo: RepositoryConfig;
  log: Logger;
  /** Branches already told that gitscale keeps its hands off (one comment per process). */
  handsOff: Set<string>;
  /** When gitscale opened pull requests in this repository (for prHourlyLimit), and the clock. */
  opened: number[];
  now: number;
}

export interface ReviewOutcome {
  pr?: PullRequest;
  error?: unknown;
  note?: string;
}

function prBody(item: Item, message: string): string {
  const r = item.ev.result;
  const rows = r.triggers.map(
    (t) => `| ${t.name} | ${t.type} | ${t.value ?? '—'} | ${t.target} | ${t.active ? 'yes' : 'no'} | ${t.error ?? ''} |`,
  );
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

/** gitscale's own head: authored and committed by gitscale (a person's commit, amend or rebase is not). */
function ours(head: { authorEmail: string; committerEmail: string } | null, c: ReviewContext): boolean {
  return head === null || (head.authorEmail === c.repo.author.email && head.committerEmail === c.repo.author.email);
}

async function handsOff(item: Item, pr: PullRequest | undefined, who: string, c: ReviewContext): Promise<ReviewOutcome> {
  const branch = branchFor(item.obj);
  c.log.warn('a person pushed to the bot branch: gitscale leaves it alone', { object: item.obj.key, branch, pr: pr?.number, author: who });
  if (pr && !c.handsOff.has(branch)) {
    await c.forge.comment(
      pr.number,
      `Someone other than gitscale pushed to \`${branch}\` (${who}); gitscale will not update this branch or pull request any more. Merge or close it yourself.`,
    );
    c.handsOff.add(branch);
  }
  return { pr, note: 'left alone: a person pushed to the branch' };
}

async function upsert(item: Item, open: PullRequest | undefined, c: ReviewContext): Promise<ReviewOutcome> {
  const { obj, ev } = item;
  const branch = branchFor(obj);
  const ops = c.ws.branches!;
  // Checked on every path, and the inspected head is the push's lease: a person's commit is never overwritten.
  const head = await ops.branchHead(branch);
  if (!ours(head, c))
    return handsOff(item, open, head!.committerEmail !== c.repo.author.email ? head!.committerEmail : head!.authorEmail, c);
  const entry = commitEntry(obj, ev.decision, ev.file, ev.field);
  // `gitscale history` tells a decision that came in through review from a direct commit by this trailer.
  const message = renderMessage([{ ...entry, trailers: [...entry.trailers, [TRAILER_ROUTE, 'pull-request']] }]);
  await ops.writeBranch(
    branch,
    async (read) => {
      const text = await read(ev.file);
      if (text === null) return null;
      return { files: { [ev.file]: setReplicas(text, workloadTarget(obj), ev.decision.desired, ev.file) }, message };
    },
    c.repo.author,
    head?.oid ?? null,
  );
  const title = message.split('\n')[0];
  const body = prBody(item, message);
  const f = c.repo.forge!;
  if (open) {
    // Repair what a failed tick may have left out (labels), then keep title and body current.
    const missing = f.labels.filter((l) => !open.labels.includes(l));
    if (missing.length) await c.forge.addLabels(open.number, missing);
    return { pr: open.title === title && open.body === body ? open : await c.forge.updatePr(open.number, { title, body }) };
  }
  const pr = await c.forge.openPr({ head: branch, base: c.repo.branch, title, body, assignees: f.assignees });
  c.opened.push(c.now);
  await c.forge.addLabels(pr.number, f.labels);
  await c.forge.requestReviewers(pr.number, f.reviewers);
  if (f.autoMerge) await c.forge.enableAutomerge(pr.number);
  return { pr };
}

async function close(item: Item, open: PullRequest, c: ReviewContext): Promise<void> {
  const r = item.ev.result;
  const branch = branchFor(item.obj);
  const head = await c.ws.branches!.branchHead(branch);
  if (!ours(head, c)) {
    await handsOff(item, open, head!.committerEmail, c);
    return;
  }
  const why =
    r.route === 'none'
      ? `the decision is back to the value in Git (${r.current})`
      : `the decision (${r.current} → ${r.desired}) is within the review policy and is committed directly`;
  await c.forge.comment(open.number, `Superseded: ${why}.`);
  await c.forge.closePr(open.number);
  if (head) await c.ws.branches!.deleteBranch(branch, head.oid);
  c.log.info('pull request closed', { object: item.obj.key, pr: open.number, why });
}

/** Why a new pull request must wait (Renovate's prConcurrentLimit / prHourlyLimit), or null. */
function limited(openCount: number, c: ReviewContext): string | null {
  const f = c.repo.forge!;
  if (f.prConcurrentLimit !== undefined && openCount >= f.prConcurrentLimit) return `prConcurrentLimit ${f.prConcurrentLimit} reached`;
  const lastHour = c.opened.filter((t) => t > c.now - 3600_000).length;
  if (f.prHourlyLimit !== undefined && lastHour >= f.prHourlyLimit) return `prHourlyLimit ${f.prHourlyLimit} reached`;
  return null;
}

/** A bot branch left without a pull request (e.g. opening it failed) and no longer needed: deleted if it is gitscale's. */
async function sweep(item: Item, c: ReviewContext): Promise<void> {
  const branch = branchFor(item.obj);
  const head = await c.ws.branches!.branchHead(branch);
  if (!head || !ours(head, c)) return;
  await c.ws.branches!.deleteBranch(branch, head.oid);
  c.log.info('deleted a bot branch without a pull request', { object: item.obj.key, branch });
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
  // Only gitscale's own kind of pull request: from this repository's branch into the base branch.
  const byBranch = new Map(open.filter((p) => p.fromSameRepository && p.base === c.repo.branch).map((p) => [p.head, p]));
  let branches = new Map<string, string>();
  try {
    branches = await c.ws.branches!.list(BRANCH_PREFIX);
  } catch (e) {
    c.log.warn('listing bot branches failed', { repository: c.repo.name, error: errorMessage(e) });
  }
  for (const item of settled) {
    const branch = branchFor(item.obj);
    const pr = byBranch.get(branch);
    try {
      if (pr) await close(item, pr, c);
      else if (branches.has(branch)) await sweep(item, c);
    } catch (e) {
      c.log.error('closing a superseded pull request failed', { object: item.obj.key, pr: pr?.number, error: errorMessage(e) });
    }
  }
  let openCount = byBranch.size;
  for (const item of reviewed) {
    const existing = byBranch.get(branchFor(item.obj));
    const wait = existing ? null : limited(openCount, c);
    if (wait) {
      c.log.warn('pull request waits: limit reached (decided again next tick)', { object: item.obj.key, why: wait });
      out.set(item.obj.key, { note: `waiting: ${wait}` });
      continue;
    }
    try {
      const o = await upsert(item, existing, c);
      if (!existing && o.pr) openCount++;
      out.set(item.obj.key, o);
    } catch (e) {
      out.set(item.obj.key, { error: e });
    }
  }
  return out;
}
