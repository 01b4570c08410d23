// `run`'s config file: reloaded on SIGHUP and when the file changes. A reload is validated first;
// one that does not validate is refused (logged, the running config kept). A change is a
// different text: a poll that finds the same text (touched, or a ConfigMap's symlink swapped to
// the same content) reloads nothing; a SIGHUP always reloads.
import type * as nodeFs from 'node:fs';
import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Loaded } from './load.js';

export type Why = 'SIGHUP' | 'file changed';

/** Runs tasks one after another, in the order given: a reload never overlaps another change of the config. */
export interface Serial {
  run(task: () => Promise<void>, onError: (e: unknown) => void): void;
}

export interface ConfigFileDeps {
  path: string;
  fs: Pick<typeof nodeFs, 'readFileSync' | 'watchFile' | 'unwatchFile'>;
  /** How often the file is looked at. */
  pollMs: number;
  /** Calls `fn` on each reload request (SIGHUP); returns a function that stops listening. */
  onSignal?: (fn: () => void) => () => void;
  /** The text the running config was read from. */
  text: string | null;
  load: (path: string) => Promise<Loaded>;
  log: Logger;
  queue: Serial;
  /** A reload that validated: its config, the text it was read from, and why it was reloaded. */
  onAccepted: (config: Config, text: string | null, why: Why) => Promise<void>;
}

/** A config that gives `run` something to do: an object, a cluster to watch or a repository to discover. */
export function hasWork(config: Config): boolean {
  return config.objects.length > 0 || Boolean(config.watch) || config.repositories.some((r) => r.discover);
}

/** The file's text, or null when it cannot be read (gone, mid-swap). */
export function readText(fs: Pick<typeof nodeFs, 'readFileSync'>, path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function watchConfigFile(d: ConfigFileDeps): { stop(): void } {
  const { path, log } = d;
  let lastText = d.text;
  const reload = (why: Why) =>
    d.queue.run(
      async () => {
        const text = readText(d.fs, path);
        if (why === 'file changed' && text === lastText) return;
        lastText = text;
        const next = await d.load(path);
        if (next.problems.length > 0 || !next.config || !hasWork(next.config)) {
          for (const p of next.problems)
            log.error('config reload refused: keeping the running config', {
              trigger: why,
              object: p.object,
              file: p.file,
              field: p.field,
              code: p.code,
              error: p.message,
            });
          if (next.problems.length === 0)
            log.error('config reload refused: keeping the running config', { trigger: why, file: path, error: 'no valid ScaledObject' });
          return;
        }
        for (const w of next.warnings)
          log.warn('config warning', { object: w.object, file: w.file, field: w.field, code: w.code, warning: w.message });
        await d.onAccepted(next.config, text, why);
      },
      (e) => log.error('config reload failed: keeping the running config', { trigger: why, file: path, error: (e as Error).message }),
    );
  const onChange = () => reload('file changed');
  // watchFile stats the path itself, so an editor's rename-over or a ConfigMap's symlink swap is seen too.
  d.fs.watchFile(path, { interval: d.pollMs, persistent: false }, onChange);
  const stopSignal = d.onSignal?.(() => reload('SIGHUP'));
  return {
    stop() {
      d.fs.unwatchFile(path, onChange);
      stopSignal?.();
    },
  };
}

/** A Serial over one promise chain; `idle` resolves once every task given so far has ended. */
export function serially(): Serial & { idle(): Promise<void> } {
  let tail = Promise.resolve();
  return {
    run(task, onError) {
      tail = tail.then(task).catch(onError);
    },
    idle: () => tail,
  };
}
