import { describe, expect, it } from 'vitest';
import { FormulaError, formulaNames, parseFormula } from '../../src/config/formula.js';

describe('parseFormula', () => {
  it.each([
    {
      name: 'precedence: * before +',
      src: '1 + 2 * 3',
      want: { kind: 'binary', op: '+', left: { kind: 'num', value: 1 }, right: { kind: 'binary', op: '*' } },
    },
    {
      name: 'left associative -',
      src: 'a - b - c',
      want: { kind: 'binary', op: '-', left: { kind: 'binary', op: '-' }, right: { kind: 'var', name: 'c' } },
    },
    {
      name: 'ternary is lowest',
      src: 'a > 2 ? a : b ?? 0',
      want: { kind: 'ternary', cond: { kind: 'binary', op: '>' }, else: { kind: 'binary', op: '??' } },
    },
    {
      name: 'word operators',
      src: 'not (a > 1 and b < 2) or c == 1',
      want: { kind: 'binary', op: '||', left: { kind: 'unary', op: '!' } },
    },
    { name: 'function call', src: 'max(a, b, 3)', want: { kind: 'call', fn: 'max' } },
    { name: 'nil and booleans', src: 'a ?? nil', want: { kind: 'binary', op: '??', right: { kind: 'nil' } } },
    { name: 'decimals and exponents', src: '1.5e2', want: { kind: 'num', value: 150 } },
  ])('$name', ({ src, want }) => {
    expect(parseFormula(src)).toMatchObject(want);
  });

  it.each([
    { name: 'empty', src: '  ', message: 'the formula is empty at column 1' },
    { name: 'dangling operator', src: 'a +', message: 'the formula ended early at column 4' },
    { name: 'two operators', src: 'a +* 2', message: "unexpected '*' at column 4" },
    { name: 'unclosed parenthesis', src: '(a + 1', message: "expected ')' but the formula ended at column 7" },
    { name: 'unknown function', src: 'sqrt(a)', message: "unknown function 'sqrt' (known: min, max, abs, floor, ceil, round) at column 1" },
    { name: 'wrong arity', src: 'abs(a, b)', message: 'abs() takes 1 argument, got 2 at column 1' },
    { name: 'bad character', src: 'a # b', message: "unexpected character '#' at column 3" },
    { name: 'trailing input', src: 'a b', message: "unexpected 'b' at column 3" },
    { name: 'a prototype name is not a function', src: 'toString(a)', message: "unknown function 'toString'" },
    { name: 'too deep', src: '('.repeat(100) + 'a' + ')'.repeat(100), message: 'nests deeper than 64 levels' },
    { name: 'too many unary operators', src: '-'.repeat(20000) + 'a', message: 'longer than 4096 characters' },
    { name: 'too many terms', src: Array.from({ length: 600 }, () => 'a').join('+'), message: 'more than 512 terms' },
    { name: 'ternary without else', src: 'a ? b', message: "expected ':' but the formula ended at column 6" },
  ])('refuses $name with its column', ({ src, message }) => {
    expect(() => parseFormula(src)).toThrow(FormulaError);
    expect(() => parseFormula(src)).toThrow(message);
  });

  it('lists the names a formula reads, with columns', () => {
    expect(formulaNames(parseFormula('min(queue, 10) + lag * 2'))).toEqual([
      { name: 'queue', pos: 5 },
      { name: 'lag', pos: 18 },
    ]);
  });
});
