// What a config reload changes, as data: objects added, removed or changed (their state and
// scalers are dropped; unchanged objects keep theirs), repositories whose settings changed (their
// workspace and forge are rebuilt), and whether TriggerAuthentications changed (every scaler is
// rebuilt, state kept).
import type { Config } from '../../config/types.js';

export interface ConfigChanges {
  added: string[];
  removed: string[];
  changed: string[];
  repositories: string[];
  triggerAuthentications: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function byKey<T>(items: T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [key(t), t]));
}

export function configChanges(old: Config, next: Config): ConfigChanges {
  const before = byKey(old.objects, (o) => o.key);
  const after = byKey(next.objects, (o) => o.key);
  const repos = byKey(old.repositories, (r) => r.name);
  const nextRepos = byKey(next.repositories, (r) => r.name);
  return {
    added: [...after.keys()].filter((k) => !before.has(k)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
    changed: [...after].filter(([k, o]) => before.has(k) && !same(before.get(k), o)).map(([k]) => k),
    repositories: [...repos].filter(([n, r]) => !nextRepos.has(n) || !same(r, nextRepos.get(n))).map(([n]) => n),
    triggerAuthentications: !same(old.triggerAuthentications, next.triggerAuthentications),
  };
}

export function isEmpty(c: ConfigChanges): boolean {
  return !c.added.length && !c.removed.length && !c.changed.length && !c.repositories.length && !c.triggerAuthentications;
}
