// Writes the changed objects of one repository as one commit. On a lost push race the edit runs
// again on the new head: an object whose value moved in Git meanwhile is left for the next tick
// (a person's change is never overwritten blindly).
import { renderMessage } from '../../git/message.js';
import type { CommitEntry, Edit, ReadFn, Workspace, WriteResult } from '../../git/types.js';
import { setReplicas } from '../../manifests/index.js';
import { readCurrent } from '../target/current.js';
import { workloadTarget } from '../target/locate.js';
import { commitEntry } from '../tick/commit-words.js';
import type { Item } from '../tick/plan.js';
import type { Logger } from '../../log.js';

/** One object's decision in the change set (a plan item). */
export type Change = Item;

export interface Written {
  result: WriteResult | null;
  /** Keys of the objects the commit carries. */
  applied: string[];
  /** Keys left out because Git moved under them. */
  skipped: string[];
  /** Keys whose file could not be edited (e.g. uncommitted edits in a local repo), with the error. */
  failed: Map<string, unknown>;
}

export async function writeChanges(
  ws: Workspace,
  changes: Change[],
  author: { name: string; email: string },
  log: Logger,
): Promise<Written> {
  let applied: string[] = [];
  let skipped: string[] = [];
  let failed = new Map<string, unknown>();
  const edit = async (read: ReadFn): Promise<Edit | null> => {
    applied = [];
    skipped = [];
    failed = new Map();
    const files: Record<string, string> = {};
    const entries: CommitEntry[] = [];
    for (const { obj, ev } of changes) {
      const d = ev.decision;
      const target = workloadTarget(obj);
      const file = ev.file;
      let text: string | null;
      let updated: string;
      let field: string;
      try {
        text = files[file] ?? (await read(file));
        if (text === null) {
          skipped.push(obj.key);
          continue;
        }
        // Files edited earlier in this commit are read as edited (a kustomization's layers may be among them).
        const now = await readCurrent(text, target, file, async (p) => files[p] ?? (await read(p)));
        field = now.field;
        if (now.replicas !== d.current) {
          log.warn('replicas changed in Git meanwhile; deciding again next tick', {
            object: obj.key,
            file,
            decidedOn: d.current,
            inGit: now.replicas,
          });
          skipped.push(obj.key);
          continue;
        }
        updated = setReplicas(text, target, d.desired, file);
      } catch (e) {
        failed.set(obj.key, e);
        continue;
      }
      files[file] = updated;
      entries.push(commitEntry(obj, d, file, field));
      applied.push(obj.key);
    }
    return entries.length ? { files, message: renderMessage(entries) } : null;
  };
  const result = await ws.write(edit, author);
  return { result, applied: result ? applied : [], skipped, failed };
}
