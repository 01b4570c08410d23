// Each command's --help: every flag and its description stay apart, in one aligned column.
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandUsage } from '../../src/cli/usage.js';

describe('commandUsage', () => {
  it.each(COMMANDS.filter((c) => !['demo', 'help', 'version'].includes(c)))(
    '%s: at least two spaces between each flag and its description, descriptions aligned',
    (command) => {
      const text = commandUsage(command);
      const lines = text.split('\n').slice(text.split('\n').indexOf('Flags:') + 1);
      const flags = lines.slice(0, lines.indexOf(''));
      expect(flags.length).toBeGreaterThan(3);
      const columns = flags.map((l) => {
        const m = /^ {2}( {4})?(\S.*?\S)( {2,})(\S.*)$/.exec(l);
        expect(m, l).not.toBeNull();
        return l.length - m![4].length;
      });
      expect(new Set(columns).size).toBe(1);
    },
  );

  it("once: '--trigger-concurrency <n>' is followed by a space, not glued to 'most'", () => {
    expect(commandUsage('once')).toMatch(/--trigger-concurrency <n> +most trigger requests/);
  });
});
