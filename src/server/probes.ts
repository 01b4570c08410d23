// What /healthz and /readyz answer under `gitscale run`, from read-only views of the runner and the
// reconciler: pure functions of what they are shown, and a holder that answers "starting" until
// `run` has started its runner.
import type { Runner } from '../reconciler/runtime/runner.js';
import type { Unrunnable } from '../reconciler/target/runnable.js';
import type { Probe } from './http.js';

/** What the probes read of the runner. */
export type Ticking = Pick<Runner, 'lastBeat' | 'ticked'>;

/** What the probes read of the running config: its repositories, and which repository each object is in. */
export interface Probed {
  repositories: readonly { name: string }[];
  objects: readonly { key: string; repository: string }[];
}

/** Alive while the heartbeat turns (it beats every second; 30 s without one is a stuck process). */
export function healthz(runner: Ticking, now: number): Probe {
  const since = now - runner.lastBeat();
  return since < 30_000 ? { ok: true } : { ok: false, reason: `the heartbeat has not turned for ${Math.round(since / 1000)} s` };
}

/**
 * Ready once every repository this replica writes has had its first tick; a standby (it writes none)
 * is ready. Objects whose target cannot be read are listed in the body; while some object of this
 * replica runs it stays ready (200), and when none can, it is not (503).
 */
export function readyz(
  config: Probed,
  runner: Ticking,
  gate: ((repository: string) => boolean) | undefined,
  unrunnable: ReadonlyMap<string, Unrunnable>,
): Probe {
  const mine = config.repositories.filter((r) => config.objects.some((o) => o.repository === r.name) && (!gate || gate(r.name)));
  const waiting = mine.filter((r) => !runner.ticked().has(r.name)).map((r) => r.name);
  if (waiting.length) return { ok: false, reason: `first tick not done yet: ${waiting.join(', ')}` };
  const objects = config.objects.filter((o) => mine.some((r) => r.name === o.repository));
  const stuck = objects
    .filter((o) => unrunnable.has(o.key))
    .map((o) => {
      const u = unrunnable.get(o.key)!;
      return `cannot run: ${o.key} (${u.code}, ${o.repository}:${u.file}): ${u.message}`;
    });
  if (stuck.length && stuck.length === objects.length) return { ok: false, reason: ['no object can run', ...stuck].join('\n') };
  return { ok: true, detail: stuck };
}

/** What the probes read once `run` has started: the runner, the write gate, the running config and the reconciler's unrunnable objects. */
export interface Started {
  runner: Ticking;
  gate?: (repository: string) => boolean;
  config: () => Probed;
  unrunnable: () => ReadonlyMap<string, Unrunnable>;
}

/**
 * The probes the server answers with, served from before the runner exists (the target check runs
 * first): alive, and not ready ("starting"), until `started` hands them what they read.
 */
export function createProbes(now: () => number) {
  let running: Started | undefined;
  return {
    healthz: (): Probe => (running ? healthz(running.runner, now()) : { ok: true }),
    readyz: (): Probe =>
      running ? readyz(running.config(), running.runner, running.gate, running.unrunnable()) : { ok: false, reason: 'starting' },
    started(s: Started): void {
      running = s;
    },
  };
}
