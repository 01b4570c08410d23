// Commit messages: a subject that says what changed, a body per object, and git trailers that
// carry the decision so tools (and `gitscale history`) can read it back.
import type { CommitEntry } from './types.js';

export const TRAILER_OBJECT = 'Gitscale-Object';
export const TRAILER_REPLICAS = 'Gitscale-Replicas';
/** The decision's reason in one line (the body says it too; older commits carry it only there). */
export const TRAILER_REASON = 'Gitscale-Reason';
/** `pull-request` on the commit of a pull-request branch (it keeps saying so when rebased or squashed in). */
export const TRAILER_ROUTE = 'Gitscale-Route';

const MAX_SUBJECT_OBJECTS = 3;

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

export function renderMessage(entries: CommitEntry[]): string {
  if (entries.length === 0) throw new Error('renderMessage: no entries');
  const first = entries[0];
  const subject =
    entries.length === 1
      ? `scale ${first.object} ${first.from}→${first.to} (${oneLine(first.summary)})`
      : `scale ${entries.length} objects: ` +
        entries
          .slice(0, MAX_SUBJECT_OBJECTS)
          .map((e) => `${e.object} ${e.from}→${e.to}`)
          .join(', ') +
        (entries.length > MAX_SUBJECT_OBJECTS ? ', …' : '');
  const body = entries.map((e) => `- ${e.object} (${e.file} ${e.field}): ${e.from} → ${e.to}\n  ${oneLine(e.reason)}`).join('\n');
  const trailers = entries.flatMap((e) => [
    `${TRAILER_OBJECT}: ${e.object}`,
    `${TRAILER_REPLICAS}: ${e.from} -> ${e.to}`,
    `${TRAILER_REASON}: ${oneLine(e.reason)}`,
    ...e.trailers.map(([k, v]) => `${k}: ${oneLine(v)}`),
  ]);
  return `${subject}\n\n${body}\n\n${trailers.join('\n')}\n`;
}

export interface ParsedDecision {
  object: string;
  from: number;
  to: number;
  trailers: [string, string][];
}

/** Reads the decisions back from a commit message's trailer block. */
export function parseTrailers(message: string): ParsedDecision[] {
  const blocks = message.trimEnd().split(/\n\s*\n/);
  const last = blocks[blocks.length - 1] ?? '';
  const out: ParsedDecision[] = [];
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    if (key === TRAILER_OBJECT) out.push({ object: value, from: NaN, to: NaN, trailers: [] });
    else if (out.length === 0) continue;
    else if (key === TRAILER_REPLICAS) {
      const r = /^(\d+) -> (\d+)$/.exec(value);
      if (r) Object.assign(out[out.length - 1], { from: Number(r[1]), to: Number(r[2]) });
    } else out[out.length - 1].trailers.push([key, value]);
  }
  return out;
}

export interface CommitDecision {
  object: string;
  from: number;
  to: number;
  /** Gitscale-Reason, or for commits made before that trailer existed the reason line of the body; null when neither says. */
  reason: string | null;
  /** Every other trailer of the object, in order (Gitscale-Trigger, Gitscale-Route, …). */
  trailers: [string, string][];
}

/** `- <object> (<file> <field>): <from> → <to>` and, indented below it, the reason (renderMessage's body). */
const BODY_ENTRY = /^- (\S+) \(.*\): (\d+) → (\d+)$/;

function bodyReasons(message: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = message.split('\n');
  lines.forEach((line, i) => {
    const m = BODY_ENTRY.exec(line);
    const next = lines[i + 1] ?? '';
    if (m && next.startsWith('  ') && next.trim() && !out.has(m[1])) out.set(m[1], next.trim());
  });
  return out;
}

/**
 * The decisions a commit message records. The trailer paragraph is the last one naming a
 * Gitscale-Object (a forge may append its own paragraph, e.g. on a squash merge). Decisions
 * without a readable Gitscale-Replicas are left out.
 */
export function readDecisions(message: string): CommitDecision[] {
  if (!message.includes(`${TRAILER_OBJECT}:`)) return [];
  const blocks = message.trimEnd().split(/\n\s*\n/);
  const block = [...blocks].reverse().find((b) => b.split('\n').some((l) => l.startsWith(`${TRAILER_OBJECT}:`)));
  if (!block) return [];
  const decisions = parseTrailers(block).filter((d) => Number.isInteger(d.from) && Number.isInteger(d.to));
  const reasonOf = (d: ParsedDecision) => d.trailers.find(([k]) => k === TRAILER_REASON)?.[1];
  const body = decisions.every((d) => reasonOf(d) !== undefined) ? new Map<string, string>() : bodyReasons(message);
  return decisions.map((d) => ({
    object: d.object,
    from: d.from,
    to: d.to,
    reason: reasonOf(d) ?? body.get(d.object) ?? null,
    trailers: d.trailers.filter(([k]) => k !== TRAILER_REASON),
  }));
}

/** renderMessage's subject for one object: `scale <object> <from>→<to> (<summary>)`. */
const SUBJECT = /^scale (\S+\/\S+) (\d+)→(\d+) \(/;

/**
 * The object and replica change a one-object subject names, for a message that lost its body and
 * trailers (a forge's squash merge keeps only the pull request's title); null when it is not one.
 */
export function readSubject(message: string): { object: string; from: number; to: number } | null {
  const m = SUBJECT.exec(message.split('\n', 1)[0]);
  return m ? { object: m[1], from: Number(m[2]), to: Number(m[3]) } : null;
}
