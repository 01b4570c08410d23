// git/ knows files and commits, not scaling (docs/architecture.md §7).

export interface Author {
  name: string;
  email: string;
}

/** Reads a file at the head being edited; null when the file is not in the tree. */
export type ReadFn = (path: string) => Promise<string | null>;

/** What one commit should contain: full new contents per path, and the message for what was applied. */
export interface Edit {
  files: Record<string, string>;
  message: string;
}

/**
 * Builds the edit on top of a head. Called again on the new head when a push loses a race,
 * so it must re-read what it changes. Returning null (or no files) means nothing to commit.
 */
export type EditFn = (read: ReadFn, attempt: number) => Promise<Edit | null>;

export interface WriteResult {
  commit: string;
  parent: string;
  files: string[];
  message: string;
  /** 1 when the first push landed. */
  attempts: number;
  /** Set when the commit landed but something after it did not (e.g. a local checkout update). */
  warning?: string;
  /** A bot branch already held exactly this change: nothing was pushed. */
  unchanged?: boolean;
}

export interface Clock {
  now(): number;
}

/** A bot branch beside the base branch (pull requests). Never used on the base branch itself. */
export interface BranchOps {
  /**
   * One commit built by `edit` on the base branch's head; `branch` is pointed at it with a lease on
   * `expected` (the head that was inspected, null: the branch must not exist). When that head already
   * has the same parent and tree, nothing is pushed and it is returned as is.
   */
  writeBranch(branch: string, edit: EditFn, author: Author, expected: string | null): Promise<WriteResult | null>;
  /** Where `branch` points on the remote and who authored and committed that commit; null when it does not exist. */
  branchHead(branch: string): Promise<{ oid: string; authorEmail: string; committerEmail: string } | null>;
  /** Deletes `branch` if it still points at `expected`. */
  deleteBranch(branch: string, expected: string): Promise<void>;
  /** The remote's branches whose names start with `prefix`: name → commit. */
  list(prefix: string): Promise<Map<string, string>>;
}

export interface Workspace {
  readonly repository: string;
  /** Brings the branch head up to date (fetch for remotes); returns the head commit id. */
  sync(): Promise<string>;
  /** Reads a file at the last synced head. */
  read(path: string): Promise<string | null>;
  /** Every file under a directory at the last synced head ([] when it is not a directory). */
  list(dir: string): Promise<string[]>;
  /** A directory's tree id at the last synced head (null when it is not a directory): unchanged id, unchanged contents. */
  treeId(dir: string): Promise<string | null>;
  /** One commit on the branch built by `edit`, pushed (remotes); retried on races. */
  write(edit: EditFn, author: Author): Promise<WriteResult | null>;
  /** Present for remotes (pull requests need a server); absent for local repositories. */
  branches?: BranchOps;
}

export interface CommitEntry {
  /** `namespace/name` */
  object: string;
  file: string;
  field: string;
  from: number;
  to: number;
  /** Short evidence for the subject, e.g. `aws-sqs-queue: 20 msgs / 5`. */
  summary: string;
  /** The decision explained in one line. */
  reason: string;
  /** Extra trailers, e.g. [['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5']]. */
  trailers: [string, string][];
}
