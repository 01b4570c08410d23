// A unified diff in git's layout, for plan output and pull-request bodies.
import { structuredPatch } from 'diff';

/**
 * `--- a/<file>` / `+++ b/<file>` headers, hunks with three lines of context, a count of 1
 * omitted from hunk headers and `\ No newline at end of file` where due, as `git diff` prints
 * them (without git's `diff --git` / `index` lines, which need object ids). "" when equal.
 * Line endings are kept: a CRLF file's lines end in \r as in the file.
 */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  const patch = structuredPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 });
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const h of patch.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    out.push(...h.lines);
  }
  return out.join('\n') + '\n';
}

// git: "start,count", "start" when count is 1, and "start-1,0" for an empty side.
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
