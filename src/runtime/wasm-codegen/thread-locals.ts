/**
 * Thread ids in locals. gpu.js 2.24.1's `kernel_simd` (one call per quad of 4 consecutive
 * `this.thread.x`) reads `this.thread.y` and `.z` from mutable wasm globals at every use: the
 * 3×3 conv reads them in each of its 27 index expressions per loop iteration. A global read is
 * a memory load to V8's optimizing compiler, never shared between uses, so every index
 * expression built on it is recomputed. The fix reads them once, in the function's first
 * instructions, into locals; after that the index arithmetic is on local values, which the
 * compiler's value numbering shares between reads.
 *
 * `run_simd` sets the globals before each call and nothing inside `kernel_simd` writes y or z;
 * thread.x is swapped per lane around calls of user helper functions, so x is hoisted only when
 * the kernel calls none (`assembler.helperInfo` null). Values are the same: results are
 * bit-identical.
 */

/** The emitter methods the fix uses. */
interface Emitter {
  addLocal(type: 'i32'): number;
  localGet(i: number): Emitter;
  localSet(i: number): Emitter;
  globalGet(i: number): Emitter;
}

interface Assembler {
  readonly module: { addFunction(name: string, signature: unknown): Emitter };
  readonly globals: Readonly<Record<string, number>>;
  readonly helperInfo?: unknown;
}

/** The WebAssemblyFunctionNode members the fix uses. */
export interface ThreadNode {
  readonly vec: boolean;
  readonly em: Emitter;
  readsThread: boolean;
  getMemberExpressionDetails(ast: unknown): { readonly signature: string; readonly name: string } | null;
  /** The fix's own field: the locals holding thread ids while `kernel_simd` is emitted. */
  hoistedThreadIds?: Readonly<Record<string, number>>;
}

export type EmitVector = (this: ThreadNode, assembler: Assembler) => unknown;
export type ExprMember = (this: ThreadNode, ast: unknown) => string;

/** The replacement `emitVectorFunction`: the prologue that copies the thread ids into locals. */
export const hoistThreadIds = (original: EmitVector, enabled: () => boolean, counted: () => void): EmitVector =>
  function (this: ThreadNode, assembler) {
    if (!enabled()) return original.call(this, assembler);
    const module = assembler.module;
    const addFunction = module.addFunction;
    const own = Object.prototype.hasOwnProperty.call(module, 'addFunction');
    const axes = assembler.helperInfo ? ['y', 'z'] : ['x', 'y', 'z'];
    module.addFunction = (name, signature) => {
      const em = addFunction.call(module, name, signature);
      if (name !== 'kernel_simd') return em;
      const ids: Record<string, number> = {};
      for (const axis of axes) {
        ids[axis] = em.addLocal('i32');
        em.globalGet(assembler.globals[`thread${axis.toUpperCase()}`]!).localSet(ids[axis]);
      }
      this.hoistedThreadIds = ids;
      counted();
      return em;
    };
    try {
      return original.call(this, assembler);
    } finally {
      if (own) module.addFunction = addFunction;
      else delete (module as { addFunction?: unknown }).addFunction;
      delete this.hoistedThreadIds;
    }
  };

/** The replacement `exprMember`: a uniform `this.thread.y` (…) in `kernel_simd` reads its local. */
export const threadIdsFromLocals = (original: ExprMember): ExprMember =>
  function (this: ThreadNode, ast) {
    const ids = this.hoistedThreadIds;
    if (ids && this.vec) {
      const d = this.getMemberExpressionDetails(ast);
      const local = d && (d.signature === 'this.thread.value' || d.signature === 'value.thread.value') ? ids[d.name] : undefined;
      if (local !== undefined) {
        this.readsThread = true;
        this.em.localGet(local);
        return 'i32';
      }
    }
    return original.call(this, ast);
  };
