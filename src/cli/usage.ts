// What `gitscale --help` and `gitscale <command> --help` print: the command list, and each
// command's own usage, flags and an example.

/** Requests in flight to one trigger endpoint at once, unless --trigger-concurrency says otherwise. */
export const DEFAULT_TRIGGER_CONCURRENCY = 16;

/** `run`: seconds a tick waits for triggers before writing what was decided, unless --decide-within says otherwise. */
export const DEFAULT_DECIDE_WITHIN_S = 3;

export const COMMANDS = ['run', 'once', 'plan', 'validate', 'history', 'demo', 'help', 'version'] as const;
export type Command = (typeof COMMANDS)[number];

export function isCommand(s: string): s is Command {
  return (COMMANDS as readonly string[]).includes(s);
}

const FLAG = {
  config: ['-c, --config <file>', 'the gitscale config (repositories, ScaledObjects, TriggerAuthentications)'],
  output: ['-o, --output text|json', 'result format on stdout (default text)'],
  dataDir: ['--data-dir <dir>', 'workspaces for remote repositories (default ./.gitscale)'],
  logFormat: ['--log-format text|json', 'log lines on stderr (default text)'],
  logLevel: ['--log-level <level>', 'debug|info|warn|error (default info for run, warn otherwise)'],
  secretsDir: ['--secrets-dir <dir>', 'secretTargetRef files as <dir>/<secret>/<key> (else env GITSCALE_SECRET_<SECRET>_<KEY>)'],
  timeout: ['--trigger-timeout <s>', 'timeout for each trigger (default 10)'],
  concurrency: [
    '--trigger-concurrency <n>',
    `most trigger requests in flight to one endpoint (scheme://host:port) at once (default ${DEFAULT_TRIGGER_CONCURRENCY})`,
  ],
  kubeconfig: ['--kubeconfig <file>', 'the cluster (else KUBECONFIG, else in-cluster; none: Git only)'],
  context: ['--context <name>', 'the kubeconfig context to use (default: its current-context)'],
  decideWithin: [
    '--decide-within <s>',
    `a tick writes the decisions made within this time; an object whose trigger is slower is decided at a later tick (default ${DEFAULT_DECIDE_WITHIN_S})`,
  ],
  listen: ['--listen <host:port>', 'serve /metrics, /healthz, /readyz (default 127.0.0.1:9090; off: none)'],
} satisfies Record<string, Flag>;
type Flag = [string, string];
const COMMON: Flag[] = [FLAG.config, FLAG.dataDir, FLAG.logFormat, FLAG.logLevel, FLAG.secretsDir];
const KUBE: Flag[] = [FLAG.kubeconfig, FLAG.context];

interface Help {
  summary: string;
  usage: string;
  flags: Flag[];
  example: string;
  more?: string;
}

const HELP: Record<Command, Help> = {
  run: {
    summary: 'reconcile until SIGTERM (finishes the write in flight, exits 0)',
    usage: 'gitscale run -c <file> [flags]',
    flags: [...COMMON, ...KUBE, FLAG.timeout, FLAG.concurrency, FLAG.decideWithin, FLAG.listen],
    example: 'gitscale run -c /etc/gitscale/gitscale.yaml --log-format json',
    more: 'The config is reloaded on SIGHUP and when the file changes: a reload that does not validate is refused\nand the running config kept. Exits 2 when no object in the config is valid, or none can run\n(its manifest file, workload or replica field cannot be read; validate lists why).',
  },
  once: {
    summary: 'one tick for every object, then exit',
    usage: 'gitscale once -c <file> [flags]',
    flags: [...COMMON, ...KUBE, FLAG.output, FLAG.timeout, FLAG.concurrency],
    example: 'gitscale once -c gitscale.yaml -o json',
  },
  plan: {
    summary: 'show what would change (triggers, replicas, route, diff); writes nothing',
    usage: 'gitscale plan -c <file> [flags]',
    flags: [
      ...COMMON,
      ...KUBE,
      FLAG.output,
      FLAG.timeout,
      FLAG.concurrency,
      ['--detailed-exitcode', 'exit 0 nothing would change, 1 an object failed, 2 bad config or usage, 3 changes would be written'],
    ],
    example: 'gitscale plan -c gitscale.yaml --detailed-exitcode',
  },
  validate: {
    summary: 'list every problem in the config and its targets (warnings too)',
    usage: 'gitscale validate -c <file> [flags]',
    flags: [...COMMON, ...KUBE, FLAG.output],
    example: 'gitscale validate -c gitscale.yaml -o json',
  },
  history: {
    summary: 'the decisions gitscale committed, newest first (first-parent history)',
    usage: 'gitscale history -c <file> [--repository NAME] [--object ns/name] [--since 7d] [flags]',
    flags: [
      ...COMMON,
      FLAG.output,
      ['--repository <name>', 'only this repository'] as Flag,
      ['--object <ns/name>', 'only this ScaledObject'] as Flag,
      ['--since <duration>', 'how far back to read, e.g. 90m, 12h, 7d, 2w (default 7d)'] as Flag,
    ],
    example: 'gitscale history -c gitscale.yaml --object default/consumer --since 2d',
  },
  demo: {
    summary: 'play the SQS → commit story locally (no servers needed)',
    usage: 'gitscale demo',
    flags: [],
    example: 'gitscale demo',
  },
  help: {
    summary: "print a command's usage",
    usage: 'gitscale help [command]',
    flags: [],
    example: 'gitscale help plan',
  },
  version: {
    summary: 'print the version',
    usage: 'gitscale --version',
    flags: [],
    example: 'gitscale --version',
  },
};

const EXIT = 'Exit codes: 0 ok; 1 an object could not be decided or written (the others still were); 2 bad config or usage.';

export function globalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.length));
  return [
    "gitscale: event-driven autoscaling for GitOps — KEDA's triggers and arithmetic, decisions committed to Git.",
    '',
    'Usage: gitscale <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.padEnd(width)}  ${HELP[c].summary}`),
    '',
    "Run 'gitscale <command> --help' for a command's flags and an example.",
    '',
    EXIT,
  ].join('\n');
}

export function commandUsage(command: Command): string {
  const h = HELP[command];
  return [
    `gitscale ${command}: ${h.summary}`,
    '',
    `Usage: ${h.usage}`,
    ...(h.flags.length ? ['', 'Flags:', ...flagLines(h.flags)] : []),
    ...(h.more ? ['', h.more] : []),
    '',
    'Example:',
    `  ${h.example}`,
    '',
    EXIT,
  ].join('\n');
}

/** Flags in two columns: long-only flags indented under the short ones, descriptions aligned past the longest flag. */
function flagLines(flags: Flag[]): string[] {
  const cell = (f: string) => `${f.startsWith('--') ? '    ' : ''}${f}`;
  const width = Math.max(28, ...flags.map(([f]) => cell(f).length + 2));
  return flags.map(([f, d]) => `  ${cell(f).padEnd(width)}${d}`);
}
