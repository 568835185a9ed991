/**
 * Fixes to gpu.js 2.24.1's WebAssembly code generator, installed when unet-ts loads gpu.js.
 * Written to be offered upstream as is; the description, the disassembly, the measurements and
 * how to test them are in docs/gpujs-wasm-codegen.md. Each fix changes the code gpu.js emits
 * for the `webasm` backend, never a result (bit-identical: test/runtime/wasm-codegen.test.ts
 * compares fast-check generated kernels with and without them, and against the cpu backend):
 *  - `contiguousLoads` (./contiguous-loads.ts): one `v128.load` for a SIMD quad's read of 4
 *    consecutive elements, instead of a 4-lane gather;
 *  - `integerLocals` (./integer-locals.ts): `++` loop counters and integer-valued
 *    constants (`const y = this.thread.z * R + r`) as i32 locals, not f32;
 *  - `threadLocals` (./thread-locals.ts): thread ids read once per quad into locals;
 *  - `linearIndices` (./linear-index.ts): array indices as linear forms, their shared base
 *    computed once and their constant part in the load's offset immediate.
 *
 * Installed on the prototype of the pinned gpu.js (package.json: "gpu.js": "2.24.1") rather than
 * as a patch of node_modules at install: npm 11 does not run the install scripts of
 * dependencies by default, so a postinstall patch would not reach a program that installs
 * unet-ts, while this does. It checks the version and the methods it relies on, and leaves
 * gpu.js untouched (`installed: false`, with the reason) if they are not there.
 */
import { createRequire } from 'node:module';
import { contiguousGather, type Gather } from './contiguous-loads.js';
import { integerLocals, type Declare } from './integer-locals.js';
import { linearLoads, type FlatLoad } from './linear-index.js';
import { hoistThreadIds, threadIdsFromLocals, type EmitVector, type ExprMember } from './thread-locals.js';

const require = createRequire(import.meta.url);

/** The version the fixes were written and tested against. */
export const CODEGEN_FIX_GPUJS_VERSION = '2.24.1';

/** The fixes, by name. */
export type CodegenFixName = 'contiguousLoads' | 'integerLocals' | 'threadLocals' | 'linearIndices';
const names: readonly CodegenFixName[] = ['contiguousLoads', 'integerLocals', 'threadLocals', 'linearIndices'];

export interface CodegenFix {
  /** Whether the fixes are on gpu.js's code generator (false: gpu.js is not the version they were written for). */
  readonly installed: boolean;
  /** Why they are not installed, when they are not. */
  readonly reason?: string;
}

interface Prototype {
  vGather: Gather;
  stmtVariableDeclaration: Declare;
  emitVectorFunction: EmitVector;
  exprMember: ExprMember;
  emitFlatLoad: FlatLoad;
  emitIndex?: unknown;
}

let state: CodegenFix | undefined;
const on: Record<CodegenFixName, boolean> = { contiguousLoads: true, integerLocals: true, threadLocals: true, linearIndices: true };
const uses: Record<CodegenFixName, number> = { contiguousLoads: 0, integerLocals: 0, threadLocals: 0, linearIndices: 0 };
const count = (name: CodegenFixName) => (): void => void uses[name]++;

/** How many times each fix has changed the emitted code so far (its tests check it was exercised). */
export const codegenFixUses = (): Readonly<Record<CodegenFixName, number>> => ({ ...uses });

/**
 * Installs the fixes once (idempotent); every webasm kernel compiled afterwards uses them.
 *
 * @example
 * import { installWasmCodegenFix } from './index.js';
 * installWasmCodegenFix(); // { installed: true } on gpu.js 2.24.1
 */
export const installWasmCodegenFix = (): CodegenFix => {
  if (state) return state;
  const version = (require('gpu.js/package.json') as { version: string }).version;
  const { WebAssemblyFunctionNode } = require('gpu.js') as { WebAssemblyFunctionNode?: { prototype: Prototype } };
  const proto = WebAssemblyFunctionNode?.prototype;
  const methods = ['vGather', 'emitIndex', 'stmtVariableDeclaration', 'emitVectorFunction', 'exprMember', 'emitFlatLoad'] as const;
  const missing = methods.filter((m) => typeof proto?.[m] !== 'function');
  if (version !== CODEGEN_FIX_GPUJS_VERSION) state = { installed: false, reason: `gpu.js ${version}, the fixes are for ${CODEGEN_FIX_GPUJS_VERSION}` };
  else if (!proto || missing.length > 0) state = { installed: false, reason: `gpu.js's WebAssemblyFunctionNode has no ${missing.join(', ')}` };
  else {
    proto.vGather = contiguousGather(proto.vGather, () => on.contiguousLoads, count('contiguousLoads'), () => on.linearIndices);
    proto.stmtVariableDeclaration = integerLocals(proto.stmtVariableDeclaration, () => on.integerLocals, count('integerLocals'));
    proto.emitVectorFunction = hoistThreadIds(proto.emitVectorFunction, () => on.threadLocals, count('threadLocals'));
    proto.exprMember = threadIdsFromLocals(proto.exprMember);
    proto.emitFlatLoad = linearLoads(proto.emitFlatLoad, () => on.linearIndices, count('linearIndices'));
    state = { installed: true };
  }
  return state;
};

/**
 * Switches the installed fixes off or on for kernels compiled from now on — all of them
 * (a boolean) or some by name — to compare the generator with and without them (tests,
 * benchmarks). Returns the previous settings.
 *
 * @example
 * import { useWasmCodegenFix } from './index.js';
 * const was = useWasmCodegenFix({ integerLocals: false });
 * useWasmCodegenFix(was);
 */
export const useWasmCodegenFix = (enabled: boolean | Partial<Record<CodegenFixName, boolean>>): Record<CodegenFixName, boolean> => {
  const was = { ...on };
  for (const name of names) on[name] = typeof enabled === 'boolean' ? enabled : (enabled[name] ?? on[name]);
  return was;
};
