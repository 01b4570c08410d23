// Evaluates a parsed scalingModifiers formula (config/formula.ts) over the triggers' values.
// Values are numbers, booleans or nil (a trigger in scalingModifiers fallback); types are checked
// as expr-lang checks them, and every failure is a FormulaEvalError.
import type { Expr } from '../config/formula.js';

export type Value = number | boolean | null;

export class FormulaEvalError extends Error {}

const kind = (v: Value) => (v === null ? 'nil' : typeof v);

function num(v: Value, what: string): number {
  if (typeof v !== 'number') throw new FormulaEvalError(`${what} needs a number, got ${kind(v)}`);
  return v;
}

function bool(v: Value, what: string): boolean {
  if (typeof v !== 'boolean') throw new FormulaEvalError(`${what} needs a boolean, got ${kind(v)}`);
  return v;
}

const FNS: Record<string, (args: number[]) => number> = {
  min: (a) => Math.min(...a),
  max: (a) => Math.max(...a),
  abs: ([x]) => Math.abs(x),
  floor: ([x]) => Math.floor(x),
  ceil: ([x]) => Math.ceil(x),
  // expr-lang's round is Go's math.Round: halves away from zero.
  round: ([x]) => Math.sign(x) * Math.round(Math.abs(x)),
};

export function evaluate(e: Expr, vars: Record<string, Value>): Value {
  switch (e.kind) {
    case 'num':
    case 'bool':
      return e.value;
    case 'nil':
      return null;
    case 'var':
      if (!Object.hasOwn(vars, e.name)) throw new FormulaEvalError(`unknown name '${e.name}'`);
      return vars[e.name];
    case 'call':
      return FNS[e.fn](e.args.map((a) => num(evaluate(a, vars), `${e.fn}()`)));
    case 'unary': {
      const v = evaluate(e.arg, vars);
      if (e.op === '!') return !bool(v, '!');
      return e.op === '-' ? -num(v, 'unary -') : num(v, 'unary +');
    }
    case 'ternary':
      return bool(evaluate(e.cond, vars), '?:') ? evaluate(e.then, vars) : evaluate(e.else, vars);
    case 'binary': {
      if (e.op === '??') {
        const l = evaluate(e.left, vars);
        return l !== null ? l : evaluate(e.right, vars);
      }
      if (e.op === '&&') return bool(evaluate(e.left, vars), '&&') && bool(evaluate(e.right, vars), '&&');
      if (e.op === '||') return bool(evaluate(e.left, vars), '||') || bool(evaluate(e.right, vars), '||');
      const l = evaluate(e.left, vars);
      const r = evaluate(e.right, vars);
      if (e.op === '==') return l === r;
      if (e.op === '!=') return l !== r;
      const a = num(l, e.op);
      const b = num(r, e.op);
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '%':
          if (b === 0) throw new FormulaEvalError('% by zero');
          return a % b;
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        default:
          return a >= b;
      }
    }
  }
}
