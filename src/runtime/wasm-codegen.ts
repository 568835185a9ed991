/**
 * A fix to gpu.js 2.24.1's WebAssembly code generator, installed when unet-ts loads gpu.js:
 * **contiguous vector loads**. Written to be offered upstream as is; the description, the
 * measurements and how to test it are in docs/gpujs-wasm-codegen.md.
 *
 * gpu.js's `webasm` backend runs 4 consecutive `this.thread.x` as the 4 lanes of one SIMD
 * quad. A read whose index varies across the lanes is emitted as a *gather*: the flat index as
 * an i32x4, clamped into the array, then 4 lane extracts, 4 scalar loads and 3 lane inserts
 * (`vGather` in backend/web-assembly/function-node.js). When the x index is `this.thread.x`
 * (± a uniform integer) and the y and z indices are uniform, the four lanes read four
 * consecutive elements: one `v128.load` does the work of the gather's ~25 instructions. The
 * unet-ts conv kernels read every weight that way (`wt[c][t][this.thread.x]`: channels as
 * lanes), 9 times per 36 multiply-adds.
 *
 * The emitted code computes lane 0's flat index with the generator's own scalar index code,
 * and loads 4 elements at once only when all of them lie inside the array; otherwise (the
 * last quad of a row past its end, a wild index under a divergent branch) it runs the
 * original clamped gather. So every lane reads exactly the element the original code reads:
 * results are bit-identical (test/runtime/wasm-codegen.test.ts checks this with fast-check
 * generated kernels against the unpatched generator and the cpu backend).
 *
 * Installed on the function-node prototype of the pinned gpu.js (package.json: "gpu.js":
 * "2.24.1") rather than as a patch of node_modules at install: npm 11 does not run the install
 * scripts of dependencies by default, so a postinstall patch would not reach a program that
 * installs unet-ts, while this does. It checks the version and the methods it relies on, and
 * leaves gpu.js untouched (`installed: false`, with the reason) if they are not there.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version the fix was written and tested against. */
export const CODEGEN_FIX_GPUJS_VERSION = '2.24.1';

/** A node of the traced kernel AST (acorn), as far as the fix reads it. */
interface Ast {
  readonly type: string;
  readonly operator?: string;
  readonly left?: Ast;
  readonly right?: Ast;
  readonly property?: { readonly name?: string };
}

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

type Gather = (this: FunctionNode, table: string, name: string, x: Ast, y: Ast | undefined, z: Ast | undefined, node: Ast) => string;

interface Prototype {
  vGather: Gather;
  emitIndex?: unknown;
  getType?: unknown;
  getVariableSignature?: unknown;
}

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
const contiguousGather = (original: Gather, enabled: () => boolean): Gather =>
  function (this: FunctionNode, table, name, x, y, z, node) {
    const layout = this.assembler.layout[table]?.[name];
    if (!enabled() || layout === undefined || !laneConsecutive(this, x, y, z)) return original.call(this, table, name, x, y, z, node);
    const em = this.em;
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
    emitted++;
    // all 4 elements inside the array: one load (align 2^2: elements are f32, the quad may start anywhere)
    em.localGet(flat).i32Const(0).i32GeS();
    em.localGet(flat).i32Const(layout.flatLength - 4).i32LeS();
    em.i32And();
    em.if_('v128');
    em.localGet(flat).i32Const(2).i32Shl().v128Load(layout.offset, 2);
    em.else_();
    original.call(this, table, name, x, y, z, node);
    em.end();
    return 'vf32';
  };

export interface CodegenFix {
  /** Whether the fix is on gpu.js's code generator (false: gpu.js is not the version it was written for). */
  readonly installed: boolean;
  /** Why it is not installed, when it is not. */
  readonly reason?: string;
}

let state: CodegenFix | undefined;
let on = true;
let emitted = 0;

/** How many contiguous loads the fix has emitted so far (its tests check it was exercised). */
export const contiguousLoadsEmitted = (): number => emitted;

/**
 * Installs the fix once (idempotent); every webasm kernel compiled afterwards uses it.
 *
 * @example
 * import { installWasmCodegenFix } from './wasm-codegen.js';
 * installWasmCodegenFix(); // { installed: true } on gpu.js 2.24.1
 */
export const installWasmCodegenFix = (): CodegenFix => {
  if (state) return state;
  const version = (require('gpu.js/package.json') as { version: string }).version;
  const { WebAssemblyFunctionNode } = require('gpu.js') as { WebAssemblyFunctionNode?: { prototype: Prototype } };
  const proto = WebAssemblyFunctionNode?.prototype;
  if (version !== CODEGEN_FIX_GPUJS_VERSION) state = { installed: false, reason: `gpu.js ${version}, the fix is for ${CODEGEN_FIX_GPUJS_VERSION}` };
  else if (!proto || typeof proto.vGather !== 'function' || typeof proto.emitIndex !== 'function') state = { installed: false, reason: 'gpu.js has no WebAssemblyFunctionNode.vGather' };
  else {
    proto.vGather = contiguousGather(proto.vGather, () => on);
    state = { installed: true };
  }
  return state;
};

/**
 * Switches the installed fix off (false) or on (true) for kernels compiled from now on: for
 * comparing the generator with and without it (tests, benchmarks). Returns the previous setting.
 */
export const useWasmCodegenFix = (enabled: boolean): boolean => {
  const was = on;
  on = enabled;
  return was;
};
