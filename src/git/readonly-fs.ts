// A read-only view of a repository's files for one history walk, handed to isomorphic-git in place
// of `fs`. isomorphic-git looks for each object loose before it looks in the packs, stats the
// gitdir and lists objects/pack on every read: on 10,000 packed commits that is ~40,000 system
// calls (≈ 4 s). Here directory listings and stats are read once per walk, a loose object that a
// listing does not hold is missing without asking the disk, and every write is refused: the walk
// cannot change the repository it reads.
import type * as nodeFs from 'node:fs';
import { basename, dirname } from 'node:path';

const LOOSE = /\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/;

/** ENOENT without a stack: isomorphic-git asks for a missing loose object once per commit and only reads `code`. */
function missing(path: string): NodeJS.ErrnoException {
  return Object.assign(Object.create(Error.prototype) as Error, {
    name: 'Error',
    message: `ENOENT: no such file or directory, open '${path}'`,
    code: 'ENOENT',
    errno: -2,
    path,
  });
}

/** `fs`-shaped (promises only), for isomorphic-git. */
export function readOnlyFs(fs: typeof nodeFs): typeof nodeFs {
  const p = fs.promises;
  const listings = new Map<string, Promise<Set<string> | null>>();
  const stats = new Map<string, Promise<nodeFs.Stats>>();
  const listing = (dir: string) => {
    let l = listings.get(dir);
    if (!l)
      listings.set(
        dir,
        (l = p.readdir(dir).then(
          (names) => new Set(names),
          () => null,
        )),
      );
    return l;
  };
  const refuse = async (path: unknown): Promise<never> => {
    throw Object.assign(new Error(`EROFS: read-only history walk, refused to write '${String(path)}'`), { code: 'EROFS' });
  };
  const promises = {
    async readFile(path: string, options?: unknown) {
      // isomorphic-git probes each fs it is given with readFile() and no path: answer without the disk.
      if (typeof path !== 'string') throw missing(String(path));
      if (LOOSE.test(path) && !(await listing(dirname(path)))?.has(basename(path))) throw missing(path);
      return p.readFile(path, options as never);
    },
    async readdir(path: string) {
      const l = await listing(path);
      if (!l) return p.readdir(path);
      return [...l];
    },
    stat(path: string) {
      let s = stats.get(path);
      if (!s) stats.set(path, (s = p.stat(path)));
      return s;
    },
    lstat: (path: string) => p.lstat(path),
    readlink: (path: string) => p.readlink(path),
    writeFile: refuse,
    mkdir: refuse,
    rmdir: refuse,
    unlink: refuse,
    symlink: refuse,
    rm: refuse,
    chmod: refuse,
  };
  return { promises } as unknown as typeof nodeFs;
}
