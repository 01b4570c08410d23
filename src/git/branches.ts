// A remote workspace's bot branches (pull requests): a branch's one commit rebuilt on the base head
// and pushed with a compare-and-swap (left alone when it already holds the same change), its head
// and who wrote it, the bot branches there are, and a branch deleted. Never the base branch.
import { GitError, type GitCode } from '../errors.js';
import { parseCommit, type CommitInfo } from './objects.js';
import { buildPack, indexPack } from './pack-format.js';
import { ZERO_OID } from './push.js';
import { signIfAsked, type Signer } from './signing.js';
import type { ObjectStore } from './store.js';
import { buildCommit, readAt } from './tree.js';
import type { GitTransport } from './transport.js';
import type { BranchOps, Clock } from './types.js';
import type { Advertisement } from './upload-pack.js';

/** What the bot branches use of their workspace. */
export interface BranchContext {
  o: { repository: string; branch: string; signer?: () => Promise<Signer>; clock: Clock };
  transport: GitTransport;
  /** The workspace's object store now (a re-clone replaces it). */
  store: () => ObjectStore;
  /** Syncs the base branch: its head. */
  sync: () => Promise<string>;
  guard: <T>(f: () => T) => T;
  fail: (code: GitCode, what: string, e: unknown) => GitError;
  unanswered: (what: string) => (e: unknown) => never;
}

export function remoteBranches(ctx: BranchContext): BranchOps {
  /** The bot-branch commit branchHead read last (not kept in the store); writeBranch compares with it. */
  let lastBranchCommit: { oid: string; commit: CommitInfo } | undefined;

  async function fetchCommit(oid: string, branch: string, advertised?: Advertisement): Promise<CommitInfo> {
    if (lastBranchCommit?.oid === oid) return lastBranchCommit.commit;
    const ad = advertised ?? (await ctx.transport.advertise());
    const answer = await ctx.transport.fetch({
      want: oid,
      caps: ad.caps,
      deepen: { depth: 1 },
      filter: ad.caps.has('filter') ? 'tree:0' : undefined,
    });
    if (!answer.pack) throw new Error('the server sent no pack');
    let found: CommitInfo | undefined;
    indexPack(
      answer.pack,
      () => null,
      (id, obj) => {
        if (id === oid && obj.type === 'commit') found = parseCommit(id, obj.body);
      },
    );
    if (!found) throw new Error(`the server did not send commit ${oid} of '${branch}'`);
    lastBranchCommit = { oid, commit: found };
    return found;
  }

  return {
    async writeBranch(branch, edit, author, expected) {
      if (branch === ctx.o.branch)
        throw new GitError(
          'GIT_BASE_BRANCH',
          `repository '${ctx.o.repository}': refusing to rewrite the base branch '${ctx.o.branch}' as a bot branch`,
          { repository: ctx.o.repository },
        );
      const parent = await ctx.sync();
      const e = await edit(async (p) => ctx.guard(() => readAt(ctx.store(), parent, p)), 1);
      if (!e || Object.keys(e.files).length === 0) return null;
      const { commit, created } = await signIfAsked(
        ctx.o.repository,
        ctx.o.signer,
        buildCommit(ctx.store(), parent, e.files, e.message, author, ctx.o.clock.now()),
      );
      if (expected) {
        // Same parent and tree as the head already there: leave the branch (and its CI runs, reviews) alone.
        const now = parseCommit(commit, created.find((c) => c.oid === commit)!.object.body);
        const was = await (ctx.store().has(expected) ? Promise.resolve(ctx.store().commit(expected)) : fetchCommit(expected, branch)).catch(
          () => null,
        );
        if (was && was.tree === now.tree && was.parents[0] === parent && was.message === now.message) {
          return { commit: expected, parent, files: Object.keys(e.files), message: e.message, attempts: 1, unchanged: true };
        }
      }
      const out = await ctx.transport
        .push({ ref: `refs/heads/${branch}`, oldOid: expected ?? ZERO_OID, newOid: commit, pack: buildPack(created).pack })
        .catch(ctx.unanswered(`pushing '${branch}'`));
      if (!out.ok)
        throw new GitError(
          out.rejected ? 'GIT_BRANCH_MOVED' : 'GIT_PUSH_FAILED',
          `repository '${ctx.o.repository}': pushing '${branch}' failed: ${out.reason}`,
          { repository: ctx.o.repository },
        );
      return { commit, parent, files: Object.keys(e.files), message: e.message, attempts: 1 };
    },
    async branchHead(branch) {
      // One advertisement gives both where the branch points and what the server can send.
      let ad: Advertisement;
      try {
        ad = await ctx.transport.advertise();
      } catch (e) {
        throw ctx.fail('GIT_UNREACHABLE', 'listing branches failed', e);
      }
      const oid = ad.refs.get(`refs/heads/${branch}`);
      if (!oid) return null;
      try {
        const commit = await fetchCommit(oid, branch, ad);
        return { oid, authorEmail: commit.author.email, committerEmail: commit.committer.email };
      } catch (e) {
        throw ctx.fail('GIT_UNREACHABLE', `fetching '${branch}' failed`, e);
      }
    },
    async list(prefix) {
      try {
        const refs = await ctx.transport.pushRefs();
        return new Map(
          [...refs].filter(([r]) => r.startsWith(`refs/heads/${prefix}`)).map(([r, oid]) => [r.slice('refs/heads/'.length), oid]),
        );
      } catch (e) {
        throw ctx.fail('GIT_UNREACHABLE', 'listing branches failed', e);
      }
    },
    async deleteBranch(branch, expected) {
      if (branch === ctx.o.branch)
        throw new GitError('GIT_BASE_BRANCH', `repository '${ctx.o.repository}': refusing to delete the base branch '${ctx.o.branch}'`, {
          repository: ctx.o.repository,
        });
      const out = await ctx.transport
        .push({ ref: `refs/heads/${branch}`, oldOid: expected, newOid: ZERO_OID })
        .catch(ctx.unanswered(`deleting '${branch}'`));
      if (!out.ok)
        throw new GitError('GIT_PUSH_FAILED', `repository '${ctx.o.repository}': deleting '${branch}' failed: ${out.reason}`, {
          repository: ctx.o.repository,
        });
    },
  };
}
