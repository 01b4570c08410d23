// Parser for scalingModifiers formulas: the subset of expr-lang (KEDA's formula language) that a
// scaling formula needs, parsed to an AST the engine evaluates. No eval, no Function, no vm.
// numbers, trigger names, + - * / %, comparisons, && || ! (and/or/not), ?:, ??, parentheses,
// nil/true/false, and min/max/abs/floor/ceil/round.

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'var'; name: string; pos: number }
  | { kind: 'call'; fn: FunctionName; args: Expr[]; pos: number }
  | { kind: 'unary'; op: '!' | '-' | '+'; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'ternary'; cond: Expr; then: Expr; else: Expr };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '??';
export const FUNCTIONS = { min: [1, Infinity], max: [1, Infinity], abs: [1, 1], floor: [1, 1], ceil: [1, 1], round: [1, 1] } as const;
export type FunctionName = keyof typeof FUNCTIONS;

export class FormulaError extends Error {
  /** 1-based column in the formula. */
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.column = column;
  }
}

type Token =
  | { t: 'num'; v: number; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const OPS = ['??', '&&', '||', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '<', '>', '!', '?', ':', '(', ')', ','];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]), pos: i + 1 });
      i += num[0].length;
      continue;
    }
    // expr-lang identifiers: a trigger named `a-b` cannot be read by a formula, in KEDA either.
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0], pos: i + 1 });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new FormulaError(`unexpected character '${c}'`, i + 1);
    out.push({ t: 'op', v: op, pos: i + 1 });
    i += op.length;
  }
  out.push({ t: 'end', pos: src.length + 1 });
  return out;
}

const WORD_OPS = new Map([
  ['and', '&&'],
  ['or', '||'],
  ['not', '!'],
]);

const MAX_LENGTH = 4096;
const MAX_DEPTH = 64;
const MAX_TERMS = 512;

export function parseFormula(src: string): Expr {
  if (src.length > MAX_LENGTH) throw new FormulaError(`the formula is longer than ${MAX_LENGTH} characters`, MAX_LENGTH + 1);
  const raw = tokenize(src);
  if (raw.length > MAX_TERMS * 2) throw new FormulaError(`the formula has more than ${MAX_TERMS} terms`, raw[MAX_TERMS * 2].pos);
  const toks = raw.map((t) => (t.t === 'id' && WORD_OPS.has(t.v) ? { t: 'op' as const, v: WORD_OPS.get(t.v)!, pos: t.pos } : t));
  let k = 0;
  const peek = () => toks[k];
  const isOp = (v: string) => peek().t === 'op' && (peek() as { v: string }).v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new FormulaError(`expected '${v}'${describe(peek())}`, peek().pos);
    k++;
  };
  const describe = (t: Token) => (t.t === 'end' ? ' but the formula ended' : `, found '${t.v}'`);

  const binary = (next: () => Expr, ops: BinaryOp[]) => (): Expr => {
    let left = next();
    for (;;) {
      const t = peek();
      if (t.t !== 'op' || !(ops as string[]).includes(t.v)) return left;
      k++;
      left = { kind: 'binary', op: t.v as BinaryOp, left, right: next() };
    }
  };

  function primary(): Expr {
    const t = peek();
    k++;
    if (t.t === 'num') return { kind: 'num', value: t.v };
    if (t.t === 'id') {
      if (t.v === 'nil') return { kind: 'nil' };
      if (t.v === 'true' || t.v === 'false') return { kind: 'bool', value: t.v === 'true' };
      if (isOp('(')) {
        if (!Object.hasOwn(FUNCTIONS, t.v))
          throw new FormulaError(`unknown function '${t.v}' (known: ${Object.keys(FUNCTIONS).join(', ')})`, t.pos);
        k++;
        const args: Expr[] = [];
        if (!isOp(')')) {
          args.push(expr());
          while (isOp(',')) {
            k++;
            args.push(expr());
          }
        }
        expect(')');
        const [lo, hi] = FUNCTIONS[t.v as FunctionName];
        if (args.length < lo || args.length > hi)
          throw new FormulaError(
            `${t.v}() takes ${lo === hi ? lo : `at least ${lo}`} argument${lo === 1 && hi === 1 ? '' : 's'}, got ${args.length}`,
            t.pos,
          );
        return { kind: 'call', fn: t.v as FunctionName, args, pos: t.pos };
      }
      return { kind: 'var', name: t.v, pos: t.pos };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = expr();
      expect(')');
      return e;
    }
    throw new FormulaError(t.t === 'end' ? 'the formula ended early' : `unexpected '${t.v}'`, t.pos);
  }

  // expr-lang binds `??` tightest of the binary operators: `a ?? 0 + b ?? 0` is `(a ?? 0) + (b ?? 0)`,
  // and `-a ?? 4` is `-(a ?? 4)`.
  const nullish = binary(primary, ['??']);

  function unary(): Expr {
    const t = peek();
    if (t.t === 'op' && (t.v === '!' || t.v === '-' || t.v === '+')) {
      k++;
      return { kind: 'unary', op: t.v, arg: nested(unary) };
    }
    return nullish();
  }

  const multiplicative = binary(unary, ['*', '/', '%']);
  const additive = binary(multiplicative, ['+', '-']);
  const comparison = binary(additive, ['<', '<=', '>', '>=']);
  const equality = binary(comparison, ['==', '!=']);
  const and = binary(equality, ['&&']);
  const or = binary(and, ['||']);

  // Deep nesting would overflow the stack (parser and evaluator both recurse): refuse it.
  let depth = 0;
  function nested(f: () => Expr): Expr {
    if (++depth > MAX_DEPTH) throw new FormulaError(`the formula nests deeper than ${MAX_DEPTH} levels`, peek().pos);
    try {
      return f();
    } finally {
      depth--;
    }
  }

  function expr(): Expr {
    return nested(ternary);
  }

  function ternary(): Expr {
    const cond = or();
    if (!isOp('?')) return cond;
    k++;
    const then = expr();
    expect(':');
    return { kind: 'ternary', cond, then, else: expr() };
  }

  if (peek().t === 'end') throw new FormulaError('the formula is empty', 1);
  const e = expr();
  if (peek().t !== 'end') throw new FormulaError(`unexpected '${(peek() as { v: string }).v}'`, peek().pos);
  return e;
}

/** Every trigger name the formula reads, with its column. */
export function formulaNames(e: Expr): { name: string; pos: number }[] {
  switch (e.kind) {
    case 'var':
      return [{ name: e.name, pos: e.pos }];
    case 'call':
      return e.args.flatMap(formulaNames);
    case 'unary':
      return formulaNames(e.arg);
    case 'binary':
      return [...formulaNames(e.left), ...formulaNames(e.right)];
    case 'ternary':
      return [...formulaNames(e.cond), ...formulaNames(e.then), ...formulaNames(e.else)];
    default:
      return [];
  }
}
