#!/usr/bin/env node
// Entry point of the `gitscale` command: the only place that touches process.
import { main } from './cli/main.js';

// Only `run` waits for a stop request; other commands keep the default signal behaviour.
const waitForStop = () =>
  new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });

main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  env: process.env,
  waitForStop,
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  onReload: (fn) => {
    process.on('SIGHUP', fn);
    return () => void process.off('SIGHUP', fn);
  },
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `gitscale: internal error: ${e instanceof Error ? e.message : String(e)}\nThis is a bug in gitscale: please report it.\n`,
    );
    process.exit(1);
  },
);
