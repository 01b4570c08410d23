import { describe, expect, it } from 'vitest';
import { parseFormula } from '../../src/config/formula.js';
import { evaluate, FormulaEvalError, type Value } from '../../src/engine/formula.js';

const run = (src: string, vars: Record<string, Value> = {}) => evaluate(parseFormula(src), vars);

type Row = { name: string; src: string; vars: Record<string, Value>; want?: Value; message?: string };

describe('evaluate', () => {
  it.each<Row>([
    { name: 'arithmetic', src: '(a + b) * 2 - c / 4', vars: { a: 1, b: 2, c: 8 }, want: 4 },
    { name: 'modulo', src: 'a % 3', vars: { a: 10 }, want: 1 },
    { name: 'comparison and ternary (KEDA docs example shape)', src: 'a > 10 ? a : b', vars: { a: 4, b: 7 }, want: 7 },
    { name: '?? skips a nil trigger (fallback behavior scalingModifiers)', src: 'a ?? b ?? 8', vars: { a: null, b: null }, want: 8 },
    { name: '?? keeps a zero', src: 'a ?? 5', vars: { a: 0 }, want: 0 },
    { name: 'min/max/abs/floor/ceil', src: 'max(min(a, 3), abs(-2)) + floor(1.7) + ceil(1.2)', vars: { a: 10 }, want: 6 },
    { name: 'round halves away from zero (Go math.Round)', src: 'round(2.5) + round(-2.5)', vars: {}, want: 0 },
    { name: 'boolean logic', src: 'a > 1 && !(b > 1) || false', vars: { a: 2, b: 0 }, want: true },
    { name: 'equality with nil', src: 'a == nil', vars: { a: null }, want: true },
    { name: '?? binds tighter than + and * (expr-lang precedence)', src: 'a ?? 0 + b ?? 0', vars: { a: 10, b: 20 }, want: 30 },
    { name: '?? binds tighter than *', src: 'a ?? 2 * 5', vars: { a: 3 }, want: 15 },
    { name: 'unary minus applies to the ?? expression', src: '-a ?? 4', vars: { a: null }, want: -4 },
    { name: 'division by zero is +Inf (float division)', src: 'a / 0', vars: { a: 1 }, want: Infinity },
  ])('$name', ({ src, vars, want }) => {
    expect(run(src, vars)).toBe(want);
  });

  it.each<Row>([
    { name: 'nil in arithmetic', src: 'a + 1', vars: { a: null }, message: '+ needs a number, got nil' },
    { name: 'number as condition', src: 'a ? 1 : 2', vars: { a: 1 }, message: '?: needs a boolean, got number' },
    { name: 'modulo by zero', src: 'a % 0', vars: { a: 1 }, message: '% by zero' },
    { name: 'unknown name at run time', src: 'zz', vars: {}, message: "unknown name 'zz'" },
  ])('fails clearly: $name', ({ src, vars, message }) => {
    expect(() => run(src, vars)).toThrow(FormulaEvalError);
    expect(() => run(src, vars)).toThrow(message!);
  });

  it('never reaches JavaScript: property names are just unknown triggers', () => {
    expect(() => run('constructor', {})).toThrow("unknown name 'constructor'");
    expect(() => run('__proto__', {})).toThrow(FormulaEvalError);
  });
});
