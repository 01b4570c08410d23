import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

describe('parseArgs', () => {
  it.each([
    {
      name: 'once with config',
      argv: ['once', '--config', 'c.yaml'],
      want: { command: 'once', config: 'c.yaml', output: 'text', dataDir: '.gitscale' },
    },
    { name: '--flag=value form', argv: ['plan', '--config=c.yaml', '--output=json'], want: { command: 'plan', output: 'json' } },
    {
      name: 'log format and timeout',
      argv: ['run', '--config', 'c', '--log-format', 'json', '--trigger-timeout', '2.5'],
      want: { logFormat: 'json', triggerTimeoutMs: 2500 },
    },
    { name: 'trigger concurrency', argv: ['once', '-c', 'c', '--trigger-concurrency', '4'], want: { triggerConcurrency: 4 } },
    { name: 'decide within (run)', argv: ['run', '-c', 'c', '--decide-within', '1.5'], want: { decideWithinMs: 1500 } },
    { name: 'decide within by default', argv: ['run', '-c', 'c'], want: { decideWithinMs: 3000 } },
    { name: 'trigger concurrency default', argv: ['plan', '-c', 'c'], want: { triggerConcurrency: 16 } },
    { name: 'demo needs no config', argv: ['demo'], want: { command: 'demo' } },
    { name: 'no command is help', argv: [], want: { command: 'help' } },
    { name: 'short -c and -o', argv: ['plan', '-c', 'c.yaml', '-o', 'json'], want: { command: 'plan', config: 'c.yaml', output: 'json' } },
    { name: 'help <command>', argv: ['help', 'plan'], want: { command: 'help', topic: 'plan' } },
    { name: '<command> --help', argv: ['once', '--help'], want: { command: 'help', topic: 'once' } },
    { name: '<command> -h without its config', argv: ['validate', '-h'], want: { command: 'help', topic: 'validate' } },
    { name: '--version', argv: ['--version'], want: { command: 'version' } },
    { name: 'log level', argv: ['run', '-c', 'c', '--log-level', 'debug'], want: { logLevel: 'debug' } },
    { name: 'plan --detailed-exitcode', argv: ['plan', '-c', 'c', '--detailed-exitcode'], want: { detailedExitcode: true } },
    {
      name: 'history filters',
      argv: ['history', '-c', 'c', '--repository', 'r', '--object', 'ns/a', '--since', '2d', '-o', 'json'],
      want: { command: 'history', repository: 'r', object: 'ns/a', since: '2d', output: 'json' },
    },
    { name: 'kubectl-style -o=json and -c=file', argv: ['plan', '-c=c.yaml', '-o=json'], want: { config: 'c.yaml', output: 'json' } },
    { name: 'history default window', argv: ['history', '-c', 'c'], want: { since: '7d' } },
  ])('$name', ({ argv, want }) => {
    expect(parseArgs(argv)).toMatchObject(want);
  });

  it.each([
    { name: 'unknown command', argv: ['frob'], message: /unknown command 'frob'/ },
    { name: 'missing config', argv: ['once'], message: /needs --config/ },
    { name: 'unknown option', argv: ['once', '--config', 'c', '--nope'], message: /unknown option '--nope'/ },
    { name: 'option without value', argv: ['once', '--config'], message: /--config needs a value/ },
    { name: 'bad output', argv: ['plan', '--config', 'c', '--output', 'xml'], message: /--output must be one of: text, json/ },
    { name: 'bad timeout', argv: ['plan', '--config', 'c', '--trigger-timeout', '0'], message: /positive/ },
    {
      name: 'trigger concurrency not a whole number',
      argv: ['run', '-c', 'c', '--trigger-concurrency', '2.5'],
      message: /--trigger-concurrency must be a whole number from 1 to 10000/,
    },
    { name: 'trigger concurrency 0', argv: ['run', '-c', 'c', '--trigger-concurrency', '0'], message: /--trigger-concurrency/ },
    {
      name: 'decide within not positive',
      argv: ['run', '-c', 'c', '--decide-within', '0'],
      message: /--decide-within must be a positive number of seconds/,
    },
    {
      name: 'once waits for every trigger (no --decide-within)',
      argv: ['once', '-c', 'c', '--decide-within', '2'],
      message: /does not take --decide-within/,
    },
    {
      name: 'validate takes no trigger concurrency',
      argv: ['validate', '-c', 'c', '--trigger-concurrency', '3'],
      message: /does not take --trigger-concurrency/,
    },
    { name: 'a short flag as the value', argv: ['plan', '-c', '-o', 'json'], message: /option -c needs a value/ },
    { name: 'a timeout past what a timer can hold', argv: ['plan', '-c', 'c', '--trigger-timeout', '3000000'], message: /at most 3600/ },
    { name: 'a flag as the value', argv: ['once', '--config', '--output', 'json'], message: /--config needs a value/ },
    {
      name: 'bad log level',
      argv: ['run', '-c', 'c', '--log-level', 'loud'],
      message: /--log-level must be one of: debug, info, warn, error/,
    },
    {
      name: 'a flag another command takes',
      argv: ['once', '-c', 'c', '--detailed-exitcode'],
      message: /gitscale once does not take --detailed-exitcode/,
    },
    { name: 'a stray argument', argv: ['plan', '-c', 'c', 'extra'], message: /unexpected argument 'extra'/ },
    { name: 'help for an unknown command', argv: ['help', 'frob'], message: /no help for 'frob'/ },
    { name: 'a flag before the command', argv: ['--config', 'c', 'plan'], message: /expected a command/ },
  ])('usage error: $name', ({ argv, message }) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it("a usage error names its command, so the message can point at that command's help", () => {
    const e = (() => {
      try {
        parseArgs(['plan', '-c', 'c', '--nope']);
      } catch (err) {
        return err as UsageError;
      }
    })();
    expect(e?.command).toBe('plan');
  });
});
