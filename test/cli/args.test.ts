import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

describe('parseArgs', () => {
  it.each([
    { name: 'once with config', argv: ['once', '--config', 'c.yaml'], want: { command: 'once', config: 'c.yaml', output: 'text', dataDir: '.gitscale' } },
    { name: '--flag=value form', argv: ['plan', '--config=c.yaml', '--output=json'], want: { command: 'plan', output: 'json' } },
    { name: 'log format and timeout', argv: ['run', '--config', 'c', '--log-format', 'json', '--trigger-timeout', '2.5'], want: { logFormat: 'json', triggerTimeoutMs: 2500 } },
    { name: 'demo needs no config', argv: ['demo'], want: { command: 'demo' } },
    { name: 'no command is help', argv: [], want: { command: 'help' } },
  ])('$name', ({ argv, want }) => {
    expect(parseArgs(argv)).toMatchObject(want);
  });

  it.each([
    { name: 'unknown command', argv: ['frob'], message: /unknown command 'frob'/ },
    { name: 'missing config', argv: ['once'], message: /needs --config/ },
    { name: 'unknown option', argv: ['once', '--config', 'c', '--nope'], message: /unknown option '--nope'/ },
    { name: 'option without value', argv: ['once', '--config'], message: /--config needs a value/ },
    { name: 'bad output', argv: ['plan', '--config', 'c', '--output', 'xml'], message: /text or json/ },
    { name: 'bad timeout', argv: ['plan', '--config', 'c', '--trigger-timeout', '0'], message: /positive/ },
  ])('usage error: $name', ({ argv, message }) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
