/**
 * Linear array indices. gpu.js 2.24.1 emits each array read `a[z][y][x]` as the flat index
 * `x + d0·(y + d1·z)` built from scratch (`emitFlatLoad`), constants included, then `<< 2` and a
 * load at the array's offset. Reads that differ only by a constant (`xp[c][z + 1][4y + 2]` and
 * `xp[c][z][4y]`) share no arithmetic, and the constant is added at run time although wasm
 * loads carry a constant byte offset for exactly that.
 *
 * The fix writes the flat index as a linear form Σ cᵢ·tᵢ + K over integer-valued terms tᵢ
 * (thread ids, loop counters, integer locals, products of them: ./integer-locals.ts decides
 * what is integer-valued), with `this.constants` folded in as the numbers they are. When every
 * cᵢ > 0 and every term is provably ≥ 0, the base Σ cᵢ·tᵢ is emitted in one canonical order
 * (so V8's value numbering computes it once for all the reads that share it) and K ≥ 0 moves
 * into the load's offset immediate: `f32.load offset=(array + 4K) (base << 2)`. The effective
 * address is the original one, (base + K)·4 + array, whenever the original index is exact;
 * otherwise (a float-typed part, a term of unknown sign, a negative K) the read is emitted as
 * before. The same form serves the contiguous vector loads (./contiguous-loads.ts): with
 * base ≥ 0 proven, the 4-element bounds check needs only its upper half.
 */
import { isIntegerValued, writes as functionWrites, type LocalsNode, type Node, type Writes } from './integer-locals.js';

/** c·t for one term t (by its structural key), and the constant K. */
export interface Linear {
  readonly terms: ReadonlyMap<string, { readonly ast: Node; readonly coeff: number }>;
  readonly k: number;
}

/** The members of the function node the linear forms read. */
export interface LinearNode extends LocalsNode {
  /** The kernel's output size [x, y, z] (thread ids are below it). */
  readonly output?: readonly number[];
  getDeclaration(id: Node): ({ suggestedType: string | null; valueType: string | null; ast?: Node } & Record<string, unknown>) | null;
}

const constant = (k: number): Linear => ({ terms: new Map(), k });

const scale = (l: Linear, s: number): Linear => ({
  terms: new Map([...l.terms].map(([key, t]) => [key, { ast: t.ast, coeff: t.coeff * s }])),
  k: l.k * s,
});

const sum = (a: Linear, b: Linear): Linear => {
  const terms = new Map(a.terms);
  for (const [key, t] of b.terms) {
    const coeff = (terms.get(key)?.coeff ?? 0) + t.coeff;
    if (coeff === 0) terms.delete(key);
    else terms.set(key, { ast: t.ast, coeff });
  }
  return { terms, k: a.k + b.k };
};

/** A structural key: equal for equal expressions wherever they appear. */
export const keyOf = (ast: Node): string => {
  switch (ast.type) {
    case 'Identifier':
      return ast.name ?? '?';
    case 'Literal':
      return String(ast.value);
    case 'MemberExpression':
      return `${keyOf(ast.object!)}.${ast.property?.name ?? keyOf(ast.property!)}`;
    case 'ThisExpression':
      return 'this';
    case 'UnaryExpression':
      return `(${ast.operator}${keyOf(ast.argument!)})`;
    case 'BinaryExpression':
      return `(${keyOf(ast.left!)}${ast.operator}${keyOf(ast.right!)})`;
    case 'CallExpression':
      return `${keyOf(ast.callee!)}(${(ast.arguments ?? []).map(keyOf).join(',')})`;
    default:
      return `<${ast.type}@${String(ast['start'])}>`;
  }
};

const integerConstant = (n: LinearNode, ast: Node): number | undefined => {
  if (ast.type === 'Literal' && typeof ast.value === 'number' && Number.isInteger(ast.value)) return ast.value;
  if (ast.type === 'MemberExpression' && n.getVariableSignature(ast) === 'this.constants.value') {
    const v = n.constants?.[ast.property?.name ?? ''];
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  }
  return undefined;
};

/** The linear form of an index expression, or undefined when a part is not integer-valued. */
export const linearForm = (n: LinearNode, ast: Node): Linear | undefined => {
  const c = integerConstant(n, ast);
  if (c !== undefined) return constant(c);
  if (ast.type === 'BinaryExpression' && (ast.operator === '+' || ast.operator === '-' || ast.operator === '*')) {
    const l = linearForm(n, ast.left!);
    const r = linearForm(n, ast.right!);
    if (l && r) {
      if (ast.operator === '+') return sum(l, r);
      if (ast.operator === '-') return sum(l, scale(r, -1));
      if (l.terms.size === 0) return scale(r, l.k);
      if (r.terms.size === 0) return scale(l, r.k);
    }
  }
  if (ast.type === 'UnaryExpression' && ast.operator === '-') {
    const a = linearForm(n, ast.argument!);
    return a && scale(a, -1);
  }
  return isIntegerValued(n, ast) ? { terms: new Map([[keyOf(ast), { ast, coeff: 1 }]]), k: 0 } : undefined;
};

/** The declarator of a local that is never written after it (so its initializer is its value). */
const constantInit = (n: LinearNode, ast: Node, writes: Writes): Node | undefined => {
  const name = ast.name ?? '';
  const init = n.getDeclaration(ast)?.ast?.init;
  return init && !writes.assigned.has(name) && !writes.updated.has(name) && isIntegerValued(n, ast) ? init : undefined;
};

const AXES: Readonly<Record<string, number>> = { x: 0, y: 1, z: 2 };

/** The divisor D of `Math.floor(A / D)` when D is a positive integer constant, and A. */
const floorQuotient = (n: LinearNode, ast: Node | undefined): { a: Node; d: number } | undefined => {
  if (ast?.type !== 'CallExpression' || ast.callee?.property?.name !== 'floor' || ast.arguments?.length !== 1) return undefined;
  const q = ast.arguments[0]!;
  const d = q.type === 'BinaryExpression' && q.operator === '/' ? integerConstant(n, q.right!) : undefined;
  return d !== undefined && d > 0 ? { a: q.left!, d } : undefined;
};

/**
 * `A − ⌊A / D⌋·D` (the remainder idiom, ⌊A / D⌋ written inline or as a local): its value when
 * A ≥ 0 and A < 2^22, where the f32 quotient cannot round up to the next integer.
 */
const remainderOf = (n: LinearNode, ast: Node, writes: Writes): { a: Node; d: number } | undefined => {
  if (ast.type !== 'BinaryExpression' || ast.operator !== '-' || ast.right?.type !== 'BinaryExpression' || ast.right.operator !== '*') return undefined;
  const [p, q] = [ast.right.left!, ast.right.right!];
  for (const [f, dAst] of [[p, q], [q, p]] as const) {
    const fq = floorQuotient(n, f.type === 'Identifier' ? constantInit(n, f, writes) : f);
    if (fq && integerConstant(n, dAst) === fq.d && keyOf(fq.a) === keyOf(ast.left!)) return fq;
  }
  return undefined;
};

/** An upper bound of an integer-valued expression where one follows from the thread grid and constants. */
export const upperBound = (n: LinearNode, ast: Node, writes: Writes): number | undefined => {
  const c = integerConstant(n, ast);
  if (c !== undefined) return c;
  switch (ast.type) {
    case 'MemberExpression': {
      const axis = AXES[ast.property?.name ?? ''];
      const size = axis === undefined ? undefined : n.output?.[axis];
      return n.getVariableSignature(ast) === 'this.thread.value' && size !== undefined ? size - 1 : undefined;
    }
    case 'Identifier': {
      const init = constantInit(n, ast, writes);
      return init && upperBound(n, init, writes);
    }
    case 'BinaryExpression': {
      const r = remainderOf(n, ast, writes);
      if (r) return r.d - 1;
      const [a, b] = [upperBound(n, ast.left!, writes), upperBound(n, ast.right!, writes)];
      if (a === undefined || b === undefined) return undefined;
      if (ast.operator === '+') return a + b;
      return ast.operator === '*' && nonNegative(n, ast.left!, writes) && nonNegative(n, ast.right!, writes) ? a * b : undefined;
    }
    case 'CallExpression': {
      const fq = floorQuotient(n, ast);
      const a = fq && upperBound(n, fq.a, writes);
      return a === undefined || !fq ? undefined : Math.floor(a / fq.d);
    }
    default:
      return undefined;
  }
};

/** Whether an integer-valued expression is ≥ 0 wherever it is evaluated (a sufficient check). */
export const nonNegative = (n: LinearNode, ast: Node, writes: Writes): boolean => {
  const c = integerConstant(n, ast);
  if (c !== undefined) return c >= 0;
  const r = remainderOf(n, ast, writes);
  if (r) {
    const bound = upperBound(n, r.a, writes);
    return nonNegative(n, r.a, writes) && bound !== undefined && bound < 2 ** 22;
  }
  switch (ast.type) {
    case 'MemberExpression': {
      const signature = n.getVariableSignature(ast);
      return signature === 'this.thread.value' || signature === 'this.output.value';
    }
    case 'Identifier': {
      // a local declared from a non-negative initializer and never assigned or decremented
      const declarator = n.getDeclaration(ast)?.ast;
      const name = ast.name ?? '';
      if (!declarator?.init || writes.assigned.has(name) || writes.decremented.has(name)) return false;
      return isIntegerValued(n, ast) && nonNegative(n, declarator.init, writes);
    }
    case 'BinaryExpression':
      return (ast.operator === '+' || ast.operator === '*' || ast.operator === '/') && nonNegative(n, ast.left!, writes) && nonNegative(n, ast.right!, writes);
    case 'CallExpression': {
      const fn = ast.callee?.property?.name ?? '';
      const args = ast.arguments ?? [];
      if (fn === 'abs') return true;
      return ['floor', 'ceil', 'round', 'trunc', 'min', 'max'].includes(fn) && args.length > 0 && args.every((a) => nonNegative(n, a, writes));
    }
    default:
      return false;
  }
};

/** The flat index of `a[z][y][x]` for an array of dims [d0, d1, …] as one linear form. */
export const flatForm = (n: LinearNode, dims: readonly number[], x: Node, y: Node | undefined, z: Node | undefined): Linear | undefined => {
  const parts: [Node | undefined, number][] = [
    [x, 1],
    [y, dims[0]!],
    [z, dims[0]! * dims[1]!],
  ];
  let acc = constant(0);
  for (const [ast, stride] of parts) {
    if (!ast) continue;
    const l = linearForm(n, ast);
    if (!l) return undefined;
    acc = sum(acc, scale(l, stride));
  }
  return acc;
};

/** The emitter methods used. */
export interface Emitter {
  i32Const(v: number): Emitter;
  i32Add(): Emitter;
  i32Mul(): Emitter;
  i32Shl(): Emitter;
  f32Load(offset: number): Emitter;
}

/** Whether the base Σ cᵢ·tᵢ of a form is provably ≥ 0 (every cᵢ > 0, every tᵢ ≥ 0). */
export const baseNonNegative = (n: LinearNode, l: Linear, writes: Writes): boolean =>
  [...l.terms.values()].every((t) => t.coeff > 0 && nonNegative(n, t.ast, writes));

/**
 * Emits the base Σ cᵢ·tᵢ (i32) in the canonical order of the terms' keys, each term by the
 * generator's own index code; 0 when there are none.
 */
export const emitBase = (n: LinearNode & { readonly em: Emitter }, l: Linear): void => {
  const terms = [...l.terms.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (terms.length === 0) {
    n.em.i32Const(0);
    return;
  }
  terms.forEach(([, t], i) => {
    n.emitIndex(t.ast);
    if (t.coeff !== 1) n.em.i32Const(t.coeff).i32Mul();
    if (i > 0) n.em.i32Add();
  });
};

/** An array's place in wasm memory (gpu.js's assembler layout). */
export interface Layout {
  readonly offset: number;
  readonly dims: readonly [number, number, number];
  readonly flatLength: number;
}

/** The function-node members the replacement `emitFlatLoad` uses. */
export interface FlatLoadNode extends LinearNode {
  readonly em: Emitter;
  readonly vMaskDepth: number;
  readonly assembler?: { readonly layout: Readonly<Record<string, Readonly<Record<string, Layout | undefined>>>> };
}

export type FlatLoad = (this: FlatLoadNode, table: string, name: string, x: Node, y: Node | undefined, z: Node | undefined, node: Node) => string;

/**
 * The linear form of a read whose base is provably ≥ 0 and whose constant K is ≥ 0 (the
 * cases where the byte offset can carry K), else undefined.
 */
export const foldableForm = (n: LinearNode, layout: Layout, x: Node, y: Node | undefined, z: Node | undefined): Linear | undefined => {
  const l = flatForm(n, layout.dims, x, y, z);
  return l && l.k >= 0 && baseNonNegative(n, l, functionWrites(n)) ? l : undefined;
};

/**
 * The replacement `emitFlatLoad` (uniform reads, scalar and SIMD walks): base << 2, K in the
 * offset. Masked SIMD code keeps the original (it clamps indices a not-taken branch computes).
 */
export const linearLoads = (original: FlatLoad, enabled: () => boolean, counted: () => void): FlatLoad =>
  function (this: FlatLoadNode, table, name, x, y, z, node) {
    const layout = this.assembler?.layout[table]?.[name];
    const form = enabled() && layout && !(this.vec && this.vMaskDepth > 0) ? foldableForm(this, layout, x, y, z) : undefined;
    if (!layout || !form) return original.call(this, table, name, x, y, z, node);
    emitBase(this, form);
    this.em.i32Const(2).i32Shl();
    this.em.f32Load(layout.offset + 4 * form.k);
    counted();
    return 'f32';
  };
