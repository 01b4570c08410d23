// Commit messages: a subject that says what changed, a body per object, and git trailers that
// carry the decision so tools (and `gitscale history`) can read it back.
import type { CommitEntry } from './types.js';

export const TRAILER_OBJECT = 'Gitscale-Object';
export const TRAILER_REPLICAS = 'Gitscale-Replicas';

const MAX_SUBJECT_OBJECTS = 3;

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

export function renderMessage(entries: CommitEntry[]): string {
  if (entries.length === 0) throw new Error('renderMessage: no entries');
  const first = entries[0];
  const subject = entries.length === 1
    ? `scale ${first.object} ${first.from}→${first.to} (${oneLine(first.summary)})`
    : `scale ${entries.length} objects: ` + entries.slice(0, MAX_SUBJECT_OBJECTS).map((e) => `${e.object} ${e.from}→${e.to}`).join(', ') + (entries.length > MAX_SUBJECT_OBJECTS ? ', …' : '');
  const body = entries.map((e) => `- ${e.object} (${e.file} ${e.field}): ${e.from} → ${e.to}\n  ${oneLine(e.reason)}`).join('\n');
  const trailers = entries.flatMap((e) => [
    `${TRAILER_OBJECT}: ${e.object}`,
    `${TRAILER_REPLICAS}: ${e.from} -> ${e.to}`,
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
