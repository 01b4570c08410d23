// Git's object formats, pure: the id of an object, trees and commits parsed and written byte-exact.
// A tree entry keeps the mode as written, so an unchanged entry is written back unchanged.
import { createHash } from 'node:crypto';
import { GitError } from '../errors.js';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface GitObject {
  type: ObjectType;
  body: Buffer;
}

export interface TreeEntry {
  /** As written in the tree: '100644', '100755', '120000', '40000', '160000'. */
  mode: string;
  name: string;
  oid: string;
}

export const isTree = (e: TreeEntry) => e.mode === '40000' || e.mode === '040000';
export const isBlob = (e: TreeEntry) => e.mode.startsWith('100') || e.mode === '120000';

/** An object's id: the SHA-1 of its header and body, as 20 bytes. */
export function objectId(type: ObjectType, body: Buffer): Buffer {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest();
}

/** An object's id in hex. */
export const hashObject = (type: ObjectType, body: Buffer): string => objectId(type, body).toString('hex');

const bad = (oid: string, what: string) => new GitError('GIT_BAD_OBJECT', `object ${oid}: ${what}`);

export function parseTree(oid: string, body: Buffer): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > body.length) throw bad(oid, 'malformed tree');
    const name = body.toString('utf8', space + 1, nul);
    if (name === '' || name === '.' || name === '..' || name.includes('/'))
      throw bad(oid, `unsafe tree entry name ${JSON.stringify(name)}`);
    out.push({ mode: body.toString('latin1', i, space), name, oid: body.toString('hex', nul + 1, nul + 21) });
    i = nul + 21;
  }
  return out;
}

/** git's tree order: byte order of names, a tree compared as if its name ended in '/'. */
export function compareEntries(a: TreeEntry, b: TreeEntry): number {
  return Buffer.compare(Buffer.from(isTree(a) ? `${a.name}/` : a.name), Buffer.from(isTree(b) ? `${b.name}/` : b.name));
}

/** Entries in the order given (callers keep git's order). */
export function serializeTree(entries: TreeEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  return Buffer.concat(parts);
}

export interface Person {
  name: string;
  email: string;
  /** Seconds. */
  timestamp: number;
}

export interface CommitInfo {
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

function person(line: string): Person {
  const m = /^(.*?) ?<([^>]*)> (\d+) [+-]\d{4}$/.exec(line);
  return m ? { name: m[1], email: m[2], timestamp: Number(m[3]) } : { name: '', email: '', timestamp: NaN };
}

export function parseCommit(oid: string, body: Buffer): CommitInfo {
  const text = body.toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const c: CommitInfo = { tree: '', parents: [], author: person(''), committer: person(''), message: end < 0 ? '' : text.slice(end + 2) };
  for (const line of head.split('\n')) {
    if (line.startsWith('tree ')) c.tree = line.slice(5, 45);
    else if (line.startsWith('parent ')) c.parents.push(line.slice(7, 47));
    else if (line.startsWith('author ')) c.author = person(line.slice(7));
    else if (line.startsWith('committer ')) c.committer = person(line.slice(10));
  }
  if (!/^[0-9a-f]{40}$/.test(c.tree)) throw bad(oid, 'commit without a tree');
  return c;
}

/** A commit as git writes it (UTC times); the message without CRs or leading blank lines, ending in one newline. */
export function serializeCommit(c: { tree: string; parents: string[]; author: Person; committer: Person; message: string }): Buffer {
  const who = (p: Person) => `${p.name} <${p.email}> ${p.timestamp} +0000`;
  const message = `${c.message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
  const head = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who(c.author)}`, `committer ${who(c.committer)}`];
  return Buffer.from(`${head.join('\n')}\n\n${message}`, 'utf8');
}
