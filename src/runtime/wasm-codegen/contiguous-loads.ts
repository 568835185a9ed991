/**
 * Contiguous vector loads. gpu.js's `webasm` backend runs 4 consecutive `this.thread.x` as the
 * 4 lanes of one SIMD quad. A read whose index varies across the lanes is emitted as a
 * *gather*: the flat index as an i32x4, clamped into the array, then 4 lane extracts, 4 scalar
 * loads and 3 lane inserts (`vGather` in backend/web-assembly/function-node.js). When the x
 * index is `this.thread.x` (± a uniform integer) and the y and z indices are uniform, the four
 * lanes read four consecutive elements: one `v128.load` does the work of the gather's ~25
 * instructions. The unet-ts conv kernels read every weight that way (`wt[c][t][this.thread.x]`:
 * channels as lanes), 9 times per 36 multiply-adds.
 *
 * The emitted code computes lane 0's flat index with the generator's own scalar index code,
 * and loads 4 elements at once only when all of them lie inside the array; otherwise (the
 * last quad of a row past its end, a wild index under a divergent branch) it runs the
 * original clamped gather. So every lane reads exactly the element the original code reads:
 * results are bit-identical.
 */
/** A node of the traced kernel AST (acorn), as far as the fix reads it. */
import type { Node } from './integer-locals.js';
import { emitBase, foldableForm, type Emitter as LinearEmitter, type LinearNode } from './linear-index.js';

type Ast = Node;

interface Layout {
  readonly offset: number;
  readonly dims: readonly [number, number, number];
  readonly flatLength: number;
}

/** The emitter methods the fix uses (WasmFunctionEmitter, chained). */
interface Emitter {
  addLocal(type: 'i32'): number;
  localGet(i: number): Emitter;
  localSet(i: number): Emitter;
  i32Const(v: number): Emitter;
  i32Mul(): Emitter;
  i32Add(): Emitter;
  i32Shl(): Emitter;
  i32GeS(): Emitter;
  i32LeS(): Emitter;
  i32And(): Emitter;
  if_(type: 'v128'): Emitter;
  else_(): Emitter;
  end(): Emitter;
  v128Load(offset: number, align: number): Emitter;
}

/** The WebAssemblyFunctionNode members the fix uses (gpu.js 2.24.1, SIMD emission phase). */
interface FunctionNode {
  readonly em: Emitter;
  readonly assembler: { readonly layout: Readonly<Record<string, Readonly<Record<string, Layout | undefined>>>> };
  readonly vInfo: { exprVarying(ast: Ast): boolean };
  getType(ast: Ast): string;
  getVariableSignature(ast: Ast): string | null;
  emitIndex(ast: Ast): void;
}

export type Gather = (this: FunctionNode, table: string, name: string, x: Ast, y: Ast | undefined, z: Ast | undefined, node: Ast) => string;

const isThreadX = (n: FunctionNode, ast: Ast | undefined): boolean =>
  ast !== undefined &&
  ast.type === 'MemberExpression' &&
  ast.property?.name === 'x' &&
  ['this.thread.value', 'value.thread.value'].includes(n.getVariableSignature(ast) ?? '');

/** A uniform (same in every lane) expression of integer type. */
const isUniformInteger = (n: FunctionNode, ast: Ast | undefined): boolean =>
  ast !== undefined && !n.vInfo.exprVarying(ast) && ['Integer', 'LiteralInteger'].includes(n.getType(ast));

/**
 * Whether lane l's flat index is lane 0's plus l: x is `this.thread.x`, or it plus or minus a
 * uniform integer, and y and z are uniform. (A float offset is left to the gather: after f32
 * rounding, trunc(x + l + u) and trunc(x + u) + l can differ.)
 */
export const laneConsecutive = (n: FunctionNode, x: Ast, y: Ast | undefined, z: Ast | undefined): boolean => {
  if ((y !== undefined && n.vInfo.exprVarying(y)) || (z !== undefined && n.vInfo.exprVarying(z))) return false;
  if (isThreadX(n, x)) return true;
  if (x.type !== 'BinaryExpression') return false;
  if (x.operator === '+') return (isThreadX(n, x.left) && isUniformInteger(n, x.right)) || (isThreadX(n, x.right) && isUniformInteger(n, x.left));
  return x.operator === '-' && isThreadX(n, x.left) && isUniformInteger(n, x.right);
};

/** The replacement `vGather`: a v128.load for lane-consecutive reads, the original gather otherwise. */
export const contiguousGather = (original: Gather, enabled: () => boolean, counted: () => void, linear: () => boolean): Gather =>
  function (this: FunctionNode, table, name, x, y, z, node) {
    const layout = this.assembler.layout[table]?.[name];
    if (!enabled() || layout === undefined || !laneConsecutive(this, x, y, z)) return original.call(this, table, name, x, y, z, node);
    const em = this.em;
    counted();
    const form = linear() && foldableForm(this as unknown as LinearNode, layout, x, y, z);
    if (form) {
      // base ≥ 0 is proven: only the upper bound is checked; K rides in the load's offset
      const last = layout.flatLength - 4 - form.k;
      if (last < 0) return original.call(this, table, name, x, y, z, node);
      const base = em.addLocal('i32');
      emitBase(this as unknown as LinearNode & { em: LinearEmitter }, form);
      em.localSet(base);
      em.localGet(base).i32Const(last).i32LeS();
      em.if_('v128');
      em.localGet(base).i32Const(2).i32Shl().v128Load(layout.offset + 4 * form.k, 2);
    } else {
      // lane 0's flat index, by the scalar index code (thread.x is the quad's first x)
      const flat = em.addLocal('i32');
      this.emitIndex(x);
      if (y !== undefined) {
        this.emitIndex(y);
        em.i32Const(layout.dims[0]).i32Mul().i32Add();
      }
      if (z !== undefined) {
        this.emitIndex(z);
        em.i32Const(layout.dims[0] * layout.dims[1]).i32Mul().i32Add();
      }
      em.localSet(flat);
      // all 4 elements inside the array: one load (align 2^2: elements are f32, the quad may start anywhere)
      em.localGet(flat).i32Const(0).i32GeS();
      em.localGet(flat).i32Const(layout.flatLength - 4).i32LeS();
      em.i32And();
      em.if_('v128');
      em.localGet(flat).i32Const(2).i32Shl().v128Load(layout.offset, 2);
    }
    em.else_();
    original.call(this, table, name, x, y, z, node);
    em.end();
    return 'vf32';
  };
