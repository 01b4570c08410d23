// The demo's live table (like `kubectl get deploy -w`) and its closing `git log`.
import git from 'isomorphic-git';
import * as fs from 'node:fs';

export const HEADER = `${'TIME'.padEnd(8)}${'QUEUE'.padEnd(8)}${'REPLICAS (GIT)'.padEnd(16)}LAST COMMIT`;

export function row(elapsedS: number, queue: number, replicas: number, commit: string, subject: string): string {
  const t = `${String(Math.floor(elapsedS / 60)).padStart(2, '0')}:${String(elapsedS % 60).padStart(2, '0')}`;
  return `${t.padEnd(8)}${String(queue).padEnd(8)}${String(replicas).padEnd(16)}${commit ? `${commit.slice(0, 7)} ${subject}` : '-'}`;
}

/** `git log` as git prints it: hash, author, date, indented message. */
export async function formatLog(dir: string): Promise<string> {
  const commits = await git.log({ fs, dir, ref: 'main' });
  return commits
    .map(({ oid, commit }) => {
      const date = new Date(commit.author.timestamp * 1000).toUTCString();
      const body = commit.message
        .trimEnd()
        .split('\n')
        .map((l) => (l ? `    ${l}` : ''))
        .join('\n');
      return `commit ${oid}\nAuthor: ${commit.author.name} <${commit.author.email}>\nDate:   ${date}\n\n${body}\n`;
    })
    .join('\n');
}
