// Pull requests behind one small interface (docs/architecture.md §8). Forges know branches and pull requests,
// not scaling.
import { GitscaleError, type ForgeCode } from '../errors.js';

export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  /** Head branch name (without refs/heads/). */
  head: string;
  /** The head branch lives in the same repository (not a fork). */
  fromSameRepository: boolean;
  headSha: string;
  base: string;
  title: string;
  body: string;
  url: string;
  labels: string[];
}

export interface PrSpec {
  head: string;
  base: string;
  title: string;
  body: string;
  assignees?: string[];
}

export interface Forge {
  readonly kind: string;
  /** The open pull request from `head`, else the most recent closed one, else null. */
  findPr(head: string): Promise<PullRequest | null>;
  /** Every open pull request whose head branch starts with `prefix`. */
  openPrs(prefix: string): Promise<PullRequest[]>;
  openPr(spec: PrSpec): Promise<PullRequest>;
  updatePr(number: number, patch: { title?: string; body?: string }): Promise<PullRequest>;
  closePr(number: number): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  /** Adds labels by name, creating the ones the repository lacks. */
  addLabels(number: number, labels: string[]): Promise<void>;
  requestReviewers(number: number, reviewers: string[]): Promise<void>;
  /** Merges once the required checks pass (at once when none are required). */
  enableAutomerge(number: number): Promise<void>;
}

/** A forge API answered with an error; `status` is the HTTP status (0 when unreachable). */
export class ForgeError extends GitscaleError<ForgeCode> {
  constructor(code: ForgeCode, message: string, data: { status: number; forge: string; repository?: string }) {
    super(code, message, data);
  }
}

/** A forge answer (a page of pull requests, a label list) is at most a few hundred kB; past this it is refused unread. */
export const MAX_FORGE_ANSWER_BYTES = 16 * 1024 * 1024;
