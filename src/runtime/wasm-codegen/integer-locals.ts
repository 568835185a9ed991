/**
 * Integer locals. gpu.js 2.24.1's WebAssembly generator keeps nearly every local in f32, so an
 * array index built from one costs an `i32.trunc_sat_f32_s` at every read, and the index
 * arithmetic cannot be shared between reads. Two cases, both fixed here:
 *
 * 1. **Loop counters.** `for (let c = 0; c < this.constants.Cin; c++)`: gpu.js's tracer marks
 *    `c` as Integer (it is only incremented) and the generator's analysis pass declares it i32.
 *    But that pass also memoizes the literal `0` as 'Integer', and the bytecode passes then see
 *    an Integer-typed initializer, which the generator deliberately "decays" to an f32
 *    declaration (the WebGL backend's rule for `let i = this.thread.x`). The fix forgets the
 *    memo for such a counter, so every pass declares it i32, as the analysis pass did. Applies
 *    when the initializer is an integer literal, the tracer suggests Integer and the function
 *    writes the name only with `++`/`--`.
 * 2. **Integer-valued constants.** `const y = this.thread.z * this.constants.R + r` or
 *    `const c = Math.floor(this.thread.y / 3)`: a local the function never writes again, whose
 *    initializer is built only from integer literals, integer constants, thread ids, output
 *    sizes, integer locals, `+ − ×`, unary minus, `Math.min/max/abs` of those and
 *    `Math.floor/ceil/round/trunc` of those or of their quotient. It is declared i32 and
 *    initialized by the generator's own index code (`emitIndex`: what an array read built on
 *    the f32 local would have computed, once).
 *
 * Such a value is an integer at every step, so the i32 holds exactly what the f32 held, and
 * every expression reading it converts it as it converts any Integer value: results are
 * bit-identical while the values stay below 2^24 — above that the f32 rounds (the generator's
 * known trap with large flat indices) and the i32 is the exact one.
 */

/** An acorn AST node, as far as this module reads it. */
export interface Node {
  readonly type: string;
  readonly name?: string;
  readonly operator?: string;
  readonly value?: unknown;
  readonly argument?: Node;
  readonly left?: Node;
  readonly right?: Node;
  readonly object?: Node;
  readonly property?: Node;
  readonly callee?: Node;
  readonly arguments?: readonly Node[];
  readonly id?: Node;
  readonly init?: Node | null;
  readonly [key: string]: unknown;
}

interface Info {
  suggestedType: string | null;
  valueType: string | null;
}

/** The WebAssemblyFunctionNode members this fix uses. */
export interface LocalsNode {
  readonly vec: boolean;
  readonly literalTypes: Record<string, string>;
  readonly constants?: Readonly<Record<string, unknown>>;
  readonly locals: ReadonlyMap<string, { readonly kind: string; readonly wtype: string; readonly gtype: string }>;
  readonly taintedLocals: Set<string>;
  getJsAST(): Node;
  astKey(ast: Node): string;
  getDeclaration(id: Node): Info | null;
  getVariableSignature(ast: Node): string | null;
  setScalarLocal(name: string, wtype: 'i32', gtype: 'Integer', emitInit: () => void): void;
  emitIndex(ast: Node): void;
  isThreadDependent(ast: Node): boolean;
}

export type Declare = (this: LocalsNode, node: { readonly declarations: readonly Node[] }) => unknown;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';

/** The names the function writes: by assignment (any operator), by `++`/`--`, and by `--`. */
export interface Writes {
  readonly assigned: ReadonlySet<string>;
  readonly updated: ReadonlySet<string>;
  readonly decremented: ReadonlySet<string>;
}

const writesOf = (root: Node): Writes => {
  const assigned = new Set<string>();
  const updated = new Set<string>();
  const decremented = new Set<string>();
  const walk = (n: Node): void => {
    if (n.type === 'AssignmentExpression' && n.left?.type === 'Identifier' && n.left.name) assigned.add(n.left.name);
    if (n.type === 'UpdateExpression' && n.argument?.type === 'Identifier' && n.argument.name) {
      updated.add(n.argument.name);
      if (n.operator === '--') decremented.add(n.argument.name);
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.filter(isNode).forEach(walk);
      else if (isNode(value)) walk(value);
    }
  };
  walk(root);
  return { assigned, updated, decremented };
};

const cache = new WeakMap<Node, Writes>();
/** The writes of the function `n` emits (cached per function). */
export const writes = (n: LocalsNode): Writes => {
  const ast = n.getJsAST();
  let w = cache.get(ast);
  if (!w) cache.set(ast, (w = writesOf(ast)));
  return w;
};

const isIntegerLiteral = (ast: Node | null | undefined): boolean =>
  ast?.type === 'Literal' && typeof ast.value === 'number' && Number.isInteger(ast.value);

/** Whether `declaration` is a `++` loop counter the fix declares as i32 (case 1). */
export const isIntegerCounter = (n: LocalsNode, declaration: Node): boolean => {
  const name = declaration.id?.name;
  if (!isIntegerLiteral(declaration.init) || !name) return false;
  if (n.getDeclaration(declaration.id!)?.suggestedType !== 'Integer') return false;
  return !writes(n).assigned.has(name);
};

const ROUNDING = new Set(['floor', 'ceil', 'round', 'trunc']);
const CLOSED = new Set(['min', 'max', 'abs']);

/** Whether `ast` is built only from integer-valued parts (case 2's initializers). */
export const isIntegerValued = (n: LocalsNode, ast: Node | undefined): boolean => {
  if (!ast) return false;
  switch (ast.type) {
    case 'Literal':
      return isIntegerLiteral(ast);
    case 'Identifier': {
      const local = ast.name === undefined ? undefined : n.locals.get(ast.name);
      return local?.kind === 'scalar' && local.wtype === 'i32' && local.gtype === 'Integer';
    }
    case 'MemberExpression': {
      const signature = n.getVariableSignature(ast);
      const name = ast.property?.name ?? '';
      if (signature === 'this.thread.value' || signature === 'this.output.value') return ['x', 'y', 'z'].includes(name);
      return signature === 'this.constants.value' && Number.isInteger(n.constants?.[name]);
    }
    case 'UnaryExpression':
      return ast.operator === '-' && isIntegerValued(n, ast.argument);
    case 'BinaryExpression':
      return ['+', '-', '*'].includes(ast.operator ?? '') && isIntegerValued(n, ast.left) && isIntegerValued(n, ast.right);
    case 'CallExpression': {
      const callee = ast.callee;
      const fn = callee?.type === 'MemberExpression' && callee.object?.type === 'Identifier' && callee.object.name === 'Math' ? (callee.property?.name ?? '') : '';
      const args = ast.arguments ?? [];
      if (CLOSED.has(fn)) return args.length > 0 && args.every((a) => isIntegerValued(n, a));
      if (!ROUNDING.has(fn) || args.length !== 1) return false;
      const a = args[0]!;
      return isIntegerValued(n, a) || (a.type === 'BinaryExpression' && a.operator === '/' && isIntegerValued(n, a.left) && isIntegerValued(n, a.right));
    }
    default:
      return false;
  }
};

/** Whether `declaration` is an integer-valued local the function never writes again (case 2). */
export const isIntegerConstant = (n: LocalsNode, declaration: Node): boolean => {
  const name = declaration.id?.name;
  if (!name || !declaration.init || isIntegerLiteral(declaration.init)) return false;
  const w = writes(n);
  return !w.assigned.has(name) && !w.updated.has(name) && isIntegerValued(n, declaration.init);
};

/**
 * The replacement `stmtVariableDeclaration` (the scalar walks, and the uniform declarations of
 * the SIMD walk): case 1 forgets the memoized literal type and lets the generator declare the
 * counter i32 by its own rule; case 2 declares the local i32 here; others go to the original.
 */
export const integerLocals = (original: Declare, enabled: () => boolean, counted: () => void): Declare =>
  function (this: LocalsNode, node) {
    if (!enabled()) return original.call(this, node);
    let result: unknown;
    for (const d of node.declarations) {
      if (isIntegerConstant(this, d)) {
        const name = d.id!.name!;
        const init = d.init!;
        const info = this.getDeclaration(d.id!);
        if (info) info.valueType = 'Integer';
        this.setScalarLocal(name, 'i32', 'Integer', () => this.emitIndex(init));
        if (this.isThreadDependent(init)) this.taintedLocals.add(name);
        counted();
        continue;
      }
      if (isIntegerCounter(this, d)) {
        delete this.literalTypes[this.astKey(d.init!)];
        counted();
      }
      result = original.call(this, { ...node, declarations: [d] });
    }
    return result;
  };
