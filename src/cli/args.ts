// The command line, parsed with Node's util.parseArgs against one option table and each command's
// own list of options (kubectl-style: `gitscale <command> [flags]`, short -c / -o).
import { parseArgs as nodeParseArgs } from 'node:util';
import { LEVELS, type Level } from '../log.js';
import { COMMANDS, DEFAULT_DECIDE_WITHIN_S, DEFAULT_TRIGGER_CONCURRENCY, isCommand, type Command } from './usage.js';

export { COMMANDS, type Command };

export interface Args {
  command: Command;
  /** `help <command>` / `<command> --help`: the command whose usage to print. */
  topic?: Command;
  config?: string;
  dataDir: string;
  output: 'text' | 'json';
  logFormat: 'text' | 'json';
  /** Unset: info for run, warn for the commands that print their result on stdout. */
  logLevel?: Level;
  secretsDir?: string;
  triggerTimeoutMs: number;
  /** Most trigger requests in flight to one endpoint at once. */
  triggerConcurrency: number;
  /** `run`: how long a tick waits for triggers before writing what was decided. */
  decideWithinMs: number;
  detailedExitcode: boolean;
  repository?: string;
  object?: string;
  since: string;
  /** run: where /metrics, /healthz and /readyz are served (host:port; `off` serves nothing). */
  listen: string;
  /** --kubeconfig / --context: the cluster to use (else KUBECONFIG, else in-cluster, else Git only). */
  kubeconfig?: string;
  context?: string;
}

/** A usage error names the command so the message can point at its help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
  }
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  output: { type: 'string', short: 'o' },
  'data-dir': { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'secrets-dir': { type: 'string' },
  'trigger-timeout': { type: 'string' },
  'trigger-concurrency': { type: 'string' },
  'decide-within': { type: 'string' },
  'detailed-exitcode': { type: 'boolean' },
  repository: { type: 'string' },
  object: { type: 'string' },
  since: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  listen: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;
type Option = keyof typeof OPTIONS;

const COMMON: Option[] = ['config', 'data-dir', 'log-format', 'log-level', 'secrets-dir', 'help'];
const KUBE: Option[] = ['kubeconfig', 'context'];
/** Which options each command takes (anything else is a usage error naming the command). */
export const COMMAND_OPTIONS: Record<Command, Option[]> = {
  run: [...COMMON, ...KUBE, 'trigger-timeout', 'trigger-concurrency', 'decide-within', 'listen'],
  once: [...COMMON, ...KUBE, 'output', 'trigger-timeout', 'trigger-concurrency'],
  plan: [...COMMON, ...KUBE, 'output', 'trigger-timeout', 'trigger-concurrency', 'detailed-exitcode'],
  validate: [...COMMON, ...KUBE, 'output'],
  history: [...COMMON, 'output', 'repository', 'object', 'since'],
  demo: ['help'],
  help: ['help'],
  version: ['help'],
};
const NEEDS_CONFIG: Command[] = ['run', 'once', 'plan', 'validate', 'history'];

function defaults(command: Command): Args {
  return {
    command,
    dataDir: '.gitscale',
    output: 'text',
    logFormat: 'text',
    triggerTimeoutMs: 10_000,
    triggerConcurrency: DEFAULT_TRIGGER_CONCURRENCY,
    decideWithinMs: DEFAULT_DECIDE_WITHIN_S * 1000,
    detailedExitcode: false,
    since: '7d',
    listen: '127.0.0.1:9090',
  };
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[], command: Command): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of: ${allowed.join(', ')} (got '${value}')`, command);
  return value as T;
}

export function parseArgs(argv: string[]): Args {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return defaults('help');
  if (first === '--version' || first === 'version') return defaults('version');
  if (first.startsWith('-')) throw new UsageError(`expected a command before '${first}': one of ${COMMANDS.join(', ')}`);
  if (!isCommand(first)) throw new UsageError(`unknown command '${first}': must be one of: ${COMMANDS.join(', ')}`);
  const command = first;
  if (command === 'help') {
    const topic = rest.find((a) => !a.startsWith('-'));
    if (topic !== undefined && !isCommand(topic)) throw new UsageError(`no help for '${topic}': commands are ${COMMANDS.join(', ')}`);
    return { ...defaults('help'), topic };
  }

  let parsed: ReturnType<typeof nodeParseArgs<{ options: typeof OPTIONS; args: string[]; strict: true; allowPositionals: true }>>;
  try {
    // kubectl's `-o=json` / `-c=x` (parseArgs would keep the '=' in the value).
    const args = rest.flatMap((a) => (/^-[a-zA-Z]=/.test(a) ? [a.slice(0, 2), a.slice(3)] : [a]));
    parsed = nodeParseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(nodeMessage(e as Error), command);
  }
  const v = parsed.values;
  if (v.help) return { ...defaults('help'), topic: command };
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`, command);
  for (const name of Object.keys(v) as Option[]) {
    if (!COMMAND_OPTIONS[command].includes(name)) throw new UsageError(`gitscale ${command} does not take --${name}`, command);
  }

  const args = defaults(command);
  if (v.config !== undefined) args.config = v.config;
  if (v['data-dir'] !== undefined) args.dataDir = v['data-dir'];
  if (v['secrets-dir'] !== undefined) args.secretsDir = v['secrets-dir'];
  if (v.output !== undefined) args.output = oneOf('output', v.output, ['text', 'json'], command);
  if (v['log-format'] !== undefined) args.logFormat = oneOf('log-format', v['log-format'], ['text', 'json'], command);
  if (v['log-level'] !== undefined) args.logLevel = oneOf('log-level', v['log-level'], LEVELS, command);
  if (v['trigger-timeout'] !== undefined) {
    const n = Number(v['trigger-timeout']);
    // setTimeout fires at once past 2^31-1 ms; an hour is more than any trigger should get.
    if (!Number.isFinite(n) || n <= 0 || n > 3600)
      throw new UsageError('--trigger-timeout must be a positive number of seconds, at most 3600', command);
    args.triggerTimeoutMs = n * 1000;
  }
  if (v['trigger-concurrency'] !== undefined) {
    const n = Number(v['trigger-concurrency']);
    if (!Number.isSafeInteger(n) || n < 1 || n > 10_000)
      throw new UsageError('--trigger-concurrency must be a whole number from 1 to 10000', command);
    args.triggerConcurrency = n;
  }
  if (v['decide-within'] !== undefined) {
    const n = Number(v['decide-within']);
    if (!Number.isFinite(n) || n <= 0 || n > 3600)
      throw new UsageError('--decide-within must be a positive number of seconds, at most 3600', command);
    args.decideWithinMs = n * 1000;
  }
  args.detailedExitcode = v['detailed-exitcode'] ?? false;
  args.repository = v.repository;
  args.object = v.object;
  if (v.since !== undefined) args.since = v.since;
  if (v.kubeconfig !== undefined) args.kubeconfig = v.kubeconfig;
  if (v.context !== undefined) args.context = v.context;
  if (v.listen !== undefined) args.listen = v.listen;
  if (NEEDS_CONFIG.includes(command) && !args.config) throw new UsageError(`gitscale ${command} needs --config <file> (-c)`, command);
  return args;
}

/** Node's parseArgs messages, reworded to name the flag the way a user typed it. */
function nodeMessage(e: Error): string {
  const code = (e as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(e.message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) return `unknown option '${unknown[1]}'`;
  const needs = /Option '(?:-\w, )?(--?[\w-]+)[^']*' argument (?:missing|is ambiguous)/.exec(e.message);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && needs) return `option ${needs[1]} needs a value`;
  return e.message.split('\n')[0];
}
