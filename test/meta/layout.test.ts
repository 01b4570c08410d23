// House habits (docs/architecture.md §1): small files, rooms import only what docs/architecture.md §1 allows, no clock or
// environment below cli/, no module-level mutable state.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const sources = files(src).map((f) => ({ path: relative(src, f), text: readFileSync(f, 'utf8') }));
const room = (path: string) => (path.includes('/') ? path.split('/')[0] : path.replace(/\.[jt]s$/, ''));

/**
 * Rooms each room may import (docs/architecture.md §1); `errors`, `log`, `lru` (bounded memo caches),
 * `ssh-spec` (SSH URLs and host-key pins as a config writes them), `yaml-limits` (bounds on
 * YAML text before parsing) and `http-body` (a response body read up to a bound) are shared leaf modules.
 */
const allowed: Record<string, string[]> = {
  config: ['errors', 'ssh-spec', 'yaml-limits'],
  scalers: ['errors', 'http-body'],
  engine: ['config'],
  manifests: ['errors', 'lru', 'yaml-limits'],
  git: ['errors', 'lru', 'ssh-spec'],
  forges: ['errors', 'http-body'],
  cluster: ['errors'],
  reconciler: ['config', 'engine', 'git', 'forges', 'manifests', 'scalers', 'cluster', 'errors', 'log'],
  cli: [
    'config',
    'engine',
    'git',
    'forges',
    'manifests',
    'scalers',
    'reconciler',
    'cluster',
    'server',
    'errors',
    'log',
    'demo',
    'ssh-spec',
  ],
  server: ['reconciler', 'errors', 'log'],
  demo: ['config', 'manifests', 'reconciler', 'log'],
  errors: [],
  log: [],
  lru: [],
  'ssh-spec': [],
  'yaml-limits': [],
  'http-body': [],
};

describe('layout', () => {
  it.each(sources)('$path is under 400 lines', ({ text }) => {
    expect(text.split('\n').length).toBeLessThanOrEqual(400);
  });

  it.each(sources.filter((s) => s.path !== 'cli.ts'))('$path imports only the rooms it may', ({ path, text }) => {
    const mine = room(path);
    const imports = [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
    for (const spec of imports) {
      const target = relative(src, join(src, path, '..', spec));
      const other = room(target);
      if (other === mine) continue;
      expect(allowed[mine] ?? [], `${path} imports ${spec}`).toContain(other);
    }
  });

  it('engine/ and manifests/ are pure: no I/O modules, no clock', () => {
    for (const s of sources.filter((x) => room(x.path) === 'engine' || room(x.path) === 'manifests')) {
      expect(s.text, s.path).not.toMatch(/from 'node:(fs|fs\/promises|child_process|net|http|https|dgram|os)'/);
      expect(s.text, s.path).not.toMatch(/Date\.now\(\)|new Date\(\)/);
    }
  });

  it('no clock, environment or cwd below cli/', () => {
    for (const s of sources.filter((x) => room(x.path) !== 'cli')) {
      expect(s.text, s.path).not.toMatch(/Date\.now\(\)|process\.env|process\.cwd\(\)/);
    }
  });

  it('no module-level mutable state', () => {
    for (const s of sources) expect(s.text, s.path).not.toMatch(/^(export )?(let|var) /m);
  });

  it('every src room has tests mirroring it', () => {
    const testRooms = readdirSync(join(root, 'test'));
    for (const r of new Set(sources.map((s) => room(s.path)))) {
      if (['cli', 'errors', 'log', 'lru', 'ssh-spec', 'yaml-limits', 'http-body'].includes(r)) continue;
      expect(testRooms, r).toContain(r);
    }
  });
});
