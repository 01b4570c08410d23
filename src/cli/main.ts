// The gitscale command: parses the arguments and maps results and errors to exit codes: 0 ok, 1
// some object failed, 2 bad config or usage (plan --detailed-exitcode: 3 changes would be
// written). help and version load nothing more; the demo and the other commands load their own
// modules when asked for (CLI start).
import { createLogger, type Level } from '../log.js';
import { parseArgs, UsageError, type Args } from './args.js';
import type { Io } from './context.js';
import { commandUsage, globalUsage } from './usage.js';
import { version } from './version.js';

export type { Io };

function usageFailure(io: Io, e: UsageError): number {
  io.stderr(`gitscale: ${e.message}\nsee 'gitscale ${e.command ? `${e.command} ` : ''}--help'`);
  return 2;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(io, e);
    throw e;
  }
  if (args.command === 'help') {
    io.stdout(args.topic ? commandUsage(args.topic) : globalUsage());
    return 0;
  }
  if (args.command === 'version') {
    io.stdout(`gitscale ${version()} (node ${process.version})`);
    return 0;
  }
  const now = io.now ?? Date.now;
  // The demo brings its own SQS endpoint and the AWS SDK: loaded only when asked for.
  if (args.command === 'demo') {
    const [{ runDemo }, { demoClients }] = await Promise.all([import('../demo/demo.js'), import('./context.js')]);
    return runDemo({ out: io.stdout, now, clients: demoClients(now) });
  }
  // run logs what it does; the other commands print their result on stdout and log only trouble.
  const level: Level = args.logLevel ?? (args.command === 'run' ? 'info' : 'warn');
  const log = createLogger({ format: args.logFormat, level, write: io.stderr, now });
  try {
    return await (await import('./execute.js')).execute({ args, io, log, now });
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(io, e);
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr(
      `gitscale: internal error: ${err.message}\nThis is a bug in gitscale: please report it with the output of the same command run with --log-level debug.`,
    );
    if (level === 'debug' && err.stack) io.stderr(err.stack);
    return 1;
  }
}
