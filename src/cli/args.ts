// Hand-rolled argument parsing: a command, then --flag value / --flag=value pairs.

export const COMMANDS = ['run', 'once', 'plan', 'validate', 'demo', 'help'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Args {
  command: Command;
  config?: string;
  dataDir: string;
  output: 'text' | 'json';
  logFormat: 'text' | 'json';
  secretsDir?: string;
  triggerTimeoutMs: number;
}

export class UsageError extends Error {}

const FLAGS = ['config', 'data-dir', 'output', 'log-format', 'secrets-dir', 'trigger-timeout'] as const;

export function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { ...defaults(), command: 'help' };
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command '${command}': must be one of: ${COMMANDS.join(', ')}`);
  const args: Args = { ...defaults(), command: command as Command };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--help' || a === '-h') return { ...args, command: 'help' };
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(FLAGS as readonly string[]).includes(m[1])) throw new UsageError(`unknown option '${a}'`);
    const name = m[1];
    const value = m[2] ?? rest[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`option --${name} needs a value`);
    if (name === 'config') args.config = value;
    else if (name === 'data-dir') args.dataDir = value;
    else if (name === 'secrets-dir') args.secretsDir = value;
    else if (name === 'output' || name === 'log-format') {
      if (value !== 'text' && value !== 'json') throw new UsageError(`--${name} must be text or json`);
      if (name === 'output') args.output = value;
      else args.logFormat = value;
    } else if (name === 'trigger-timeout') {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError('--trigger-timeout must be a positive number of seconds');
      args.triggerTimeoutMs = n * 1000;
    }
  }
  if (['run', 'once', 'plan', 'validate'].includes(args.command) && !args.config) throw new UsageError(`gitscale ${args.command} needs --config <file>`);
  return args;
}

function defaults(): Omit<Args, 'command'> {
  return { dataDir: '.gitscale', output: 'text', logFormat: 'text', triggerTimeoutMs: 10_000 };
}

export const USAGE = `gitscale: event-driven autoscaling for GitOps — KEDA's triggers and arithmetic, decisions committed to Git.

Usage:
  gitscale run      --config <file>   reconcile until SIGTERM (finishes the write in flight, exits 0)
  gitscale once     --config <file>   one tick for every object, then exit
  gitscale plan     --config <file>   show what would change (triggers, replicas, route, diff); writes nothing
  gitscale validate --config <file>   list every problem in the config and its targets
  gitscale demo                       play the SQS → commit story locally (no servers needed)

Options:
  --data-dir <dir>        workspaces for remote repositories (default ./.gitscale)
  --output text|json     plan/once/validate output (default text)
  --log-format text|json  log lines on stderr (default text)
  --secrets-dir <dir>     secretTargetRef files as <dir>/<secret>/<key> (else env GITSCALE_SECRET_<SECRET>_<KEY>)
  --trigger-timeout <s>   timeout for each trigger (default 10)

Exit codes: 0 ok; 1 an object could not be decided or written (the others still were); 2 bad config or usage.`;
