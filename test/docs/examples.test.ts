/**
 * Every `@example` in src/**\/*.ts type-checks against the code it documents, so examples
 * cannot drift from the API (a renamed function, a changed argument, an import that the
 * package does not export). All examples are written as files to `.cache/examples/`
 * (git-ignored) and checked in ONE run of the repository's own `tsc` (2-3 s).
 *
 * How an example is read — the conventions an example must follow:
 *
 * - An example is the text after `@example` up to the next `@tag` or the end of the comment
 *   (the leading ` * ` of each line removed); `@example code` on one line works too.
 * - `import` and `declare` statements are moved to the top of the file; everything else is the
 *   body of an async function, so `await` works and the example's own `const`s may reuse names.
 * - `'unet-ts'` is the package root, src/index.ts: what users import. A relative specifier
 *   (`'./tiles.js'`) is relative to the file that holds the example, as it would be in that
 *   file. Other specifiers (`node:fs`, `fp-ts/...`) resolve as usual. The package exports
 *   nothing else (no `'unet-ts/metrics'`), so such an import fails here as it would for a user.
 * - Without importing them, an example may use (1) the exports of the file that holds it,
 *   (2) everything 'unet-ts' exports, and (3) these placeholders, the inputs most examples
 *   start from: `rt: Runtime`, `model: Checkpoint`, `img: Image`, `bytes: Uint8Array` (see
 *   PRELUDE). A name the example imports or declares itself takes precedence, then (1), (2).
 *   Any other input is declared in the example itself, which also tells the reader its type:
 *   `declare const labels: Labels;` (a `declare` line is moved to the top like an import).
 *
 * A failure names the source file, the line of the example and the compiler's message.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, '.cache', 'examples');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');

/** Placeholder inputs every example may use (name → type exported by 'unet-ts'). */
const PRELUDE: Readonly<Record<string, string>> = { rt: 'Runtime', model: 'Checkpoint', img: 'Image', bytes: 'Uint8Array' };

interface Example {
  /** Path relative to the repository root, e.g. src/infer/tiles.ts. */
  readonly file: string;
  /** 1-based: the n-th example of its file. */
  readonly index: number;
  /** Each line of the example with its 1-based line number in the source file. */
  readonly lines: readonly { readonly text: string; readonly line: number }[];
}

/** The examples of one source file, from its `/** ... *\/` comments. */
const extractExamples = (file: string, source: string): Example[] => {
  const out: Example[] = [];
  for (const m of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const first = source.slice(0, m.index + 3).split('\n').length; // line of the comment's first text
    let current: { text: string; line: number }[] | null = null;
    m[1]!.split('\n').forEach((raw, i) => {
      const text = raw.replace(/^\s*\* ?/, '').replace(/^\s*$/, '');
      const tag = /^(.*?)@(\w+)(.*)$/.exec(text);
      if (tag && (tag[2] === 'example' || tag[1]!.trim() === '')) {
        current = null;
        if (tag[2] === 'example') {
          current = [];
          out.push({ file, index: out.length + 1, lines: current });
          if (tag[3]!.trim() !== '') current.push({ text: tag[3]!.trim(), line: first + i });
        }
        return;
      }
      current?.push({ text, line: first + i });
    });
  }
  return out;
};

/** Names an import or declare statement binds at module scope. */
const boundNames = (stmt: string): string[] => {
  const s = stmt.replace(/\/\/.*$/gm, '');
  if (/^\s*declare\b/.test(s)) {
    const d = /declare\s+(?:const|let|var|function|class|type|interface|enum)\s+([\w$]+)/.exec(s);
    return d ? [d[1]!] : [];
  }
  const names: string[] = [];
  const clause = /^\s*import\s+(?:type\s+)?([\s\S]*?)\s+from\s/.exec(s)?.[1] ?? '';
  const ns = /\*\s+as\s+([\w$]+)/.exec(clause);
  if (ns) names.push(ns[1]!);
  const def = /^([\w$]+)\s*(?:,|$)/.exec(clause.trim());
  if (def) names.push(def[1]!);
  const braces = /\{([\s\S]*)\}/.exec(clause);
  for (const item of braces?.[1]!.split(',') ?? []) {
    const parts = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
    const name = parts[parts.length - 1]!.trim();
    if (name) names.push(name);
  }
  return names;
};

/** The names a module exports (declarations, export lists, `export * as`); not `export *`. */
const exportedNames = (source: string): string[] => {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const names = new Set<string>();
  for (const m of code.matchAll(/^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|abstract\s+class|interface|type|enum|namespace)\s+([\w$]+)/gm)) names.add(m[1]!);
  for (const m of code.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)) {
    for (const item of m[1]!.split(',')) {
      const parts = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
      const name = parts[parts.length - 1]!.trim();
      if (name) names.add(name);
    }
  }
  for (const m of code.matchAll(/^export\s+\*\s+as\s+([\w$]+)/gm)) names.add(m[1]!);
  return [...names];
};

/** A module specifier as seen from the generated file in OUT. */
const specifierFor = (spec: string, file: string): string => {
  if (!spec.startsWith('.')) return spec;
  const rel = path.relative(OUT, path.resolve(ROOT, path.dirname(file), spec)).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
};

interface Generated {
  readonly name: string;
  readonly text: string;
  /** Generated line (1-based) → source line, for the lines that came from the example. */
  readonly lineMap: ReadonlyMap<number, number>;
}

/** The .ts file that checks one example (see the conventions in the header). */
const generate = (ex: Example, own: readonly string[], root: readonly string[]): Generated => {
  const hoisted: { text: string; line: number }[][] = [];
  const body: { text: string; line: number }[] = [];
  let open: { text: string; line: number }[] | null = null;
  for (const l of ex.lines) {
    if (/^\s*```/.test(l.text)) continue; // a Markdown fence around the code
    if (open === null && /^\s*(import\s*[\w{*'"]|import\s+type\b|declare\s)/.test(l.text)) hoisted.push((open = []));
    if (open !== null) {
      open.push(l);
      const code = l.text.replace(/\/\/.*$/, '').trimEnd();
      if (/^\s*import\s+['"]/.test(code) || /\bfrom\s+['"][^'"]+['"]\s*;?$/.test(code) || (/^\s*declare\b/.test(open[0]!.text) && /;$/.test(code))) open = null;
      continue;
    }
    body.push(l);
  }
  const bound = new Set(hoisted.flatMap((h) => boundNames(h.map((l) => l.text).join('\n'))));
  const ownNames = own.filter((n) => !bound.has(n));
  const rootNames = root.filter((n) => !bound.has(n) && !own.includes(n));
  const prelude = Object.entries(PRELUDE).filter(([n]) => !bound.has(n) && !own.includes(n) && !root.includes(n));
  const lines: string[] = [`// ${ex.file}, example ${ex.index} (generated by test/docs/examples.test.ts)`];
  const lineMap = new Map<number, number>();
  const emit = (text: string, line?: number): void => {
    lines.push(text);
    if (line !== undefined) lineMap.set(lines.length, line);
  };
  const types = [...new Set(prelude.map(([, t]) => t).filter((t) => t !== 'Uint8Array'))];
  if (types.length > 0) emit(`import type { ${types.map((t) => `${t} as __${t}`).join(', ')} } from 'unet-ts';`);
  if (rootNames.length > 0) emit(`import { ${rootNames.join(', ')} } from 'unet-ts';`);
  if (ownNames.length > 0) emit(`import { ${ownNames.join(', ')} } from '${specifierFor(`./${path.basename(ex.file).replace(/\.ts$/, '.js')}`, ex.file)}';`);
  for (const h of hoisted) for (const l of h) emit(l.text.replace(/(\bfrom\s+|^\s*import\s+)(['"])([^'"]+)\2/, (_, pre: string, q: string, spec: string) => `${pre}${q}${specifierFor(spec, ex.file)}${q}`), l.line);
  for (const [n, t] of prelude) emit(`declare const ${n}: ${t === 'Uint8Array' ? t : `__${t}`};`);
  emit('export async function example(): Promise<void> {');
  for (const l of body) emit(`  ${l.text}`, l.line);
  emit('}');
  return { name: `${ex.file.replace(/[/\\.]/g, '_')}_${ex.index}.ts`, text: `${lines.join('\n')}\n`, lineMap };
};

/** One diagnostic of `tsc --pretty false`, with its continuation lines. */
interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}
const parseDiagnostics = (output: string): Diagnostic[] => {
  const out: { file: string; line: number; message: string }[] = [];
  for (const l of output.split('\n')) {
    const m = /^(.+?)\((\d+),\d+\): (error TS\d+: .*)$/.exec(l);
    if (m) out.push({ file: path.resolve(ROOT, m[1]!), line: Number(m[2]), message: m[3]! });
    else if (l.trim() !== '' && out.length > 0) out[out.length - 1]!.message += `\n    ${l.trim()}`;
  }
  return out;
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

// A deliberately wrong example, checked in the same run: proves that a failure is found and
// mapped back to its source line (a check that cannot fail would pass with 0 diagnostics).
const CANARY: Example = { file: 'src/index.ts', index: 0, lines: [{ text: "import { size } from 'unet-ts';", line: 7 }, { text: "const n: string = size([1, 1, 2, 2]);", line: 8 }] };

const sources = walk(SRC).sort().map((abs) => ({ file: path.relative(ROOT, abs).split(path.sep).join('/'), text: readFileSync(abs, 'utf8') }));
const examples = sources.flatMap((s) => extractExamples(s.file, s.text));

/** Per generated file: its example and line map; filled by the one tsc run. */
const results = new Map<string, string[]>();

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const byName = new Map<string, { ex: Example; gen: Generated }>();
  const ownOf = new Map(sources.map((s) => [s.file, exportedNames(s.text)]));
  // The package root re-exports the platform-free part (`export * from './portable.js'`): follow it.
  const reExported = (file: string): string[] => {
    const text = sources.find((s) => s.file === file)?.text ?? '';
    const stars = [...text.matchAll(/^export\s+\*\s+from\s+'(\.[^']+)\.js'/gm)].map((m) => path.posix.join(path.posix.dirname(file), `${m[1]!}.ts`));
    return [...(ownOf.get(file) ?? []), ...stars.flatMap(reExported)];
  };
  const rootNames = reExported('src/index.ts');
  for (const ex of [...examples, CANARY]) {
    const gen = generate(ex, ownOf.get(ex.file) ?? [], rootNames);
    const name = ex === CANARY ? 'canary.ts' : gen.name;
    writeFileSync(path.join(OUT, name), gen.text);
    byName.set(path.join(OUT, name), { ex, gen });
  }
  const config = {
    extends: path.relative(OUT, path.join(ROOT, 'tsconfig.json')).split(path.sep).join('/'),
    compilerOptions: {
      noEmit: true,
      declaration: false,
      // An example may end on a value the reader goes on to use (`const seg = …`).
      noUnusedLocals: false,
      rootDir: path.relative(OUT, ROOT).split(path.sep).join('/'),
      // Before the package's own name resolves to dist/ through package.json "exports".
      paths: { 'unet-ts': [path.relative(OUT, path.join(SRC, 'index.ts')).split(path.sep).join('/')] },
    },
    include: ['*.ts'],
  };
  writeFileSync(path.join(OUT, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const r = spawnSync(TSC, ['-p', path.join(OUT, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
  if (r.error) throw r.error;
  for (const d of parseDiagnostics(`${r.stdout}\n${r.stderr}`)) {
    const hit = byName.get(d.file);
    if (!hit) continue; // src itself: `npm run typecheck` reports those
    const at = hit.gen.lineMap.get(d.line);
    const where = `${hit.ex.file}:${at ?? hit.ex.lines[0]?.line ?? '?'} (example ${hit.ex.index})`;
    const key = hit.ex === CANARY ? 'canary' : hit.ex.file;
    results.set(key, [...(results.get(key) ?? []), `${where}: ${d.message}`]);
  }
}, 60_000);

describe('JSDoc @example blocks', () => {
  it('finds every @example in src (none lost by the extraction)', () => {
    const tags = sources.reduce((n, s) => n + (s.text.match(/@example\b/g)?.length ?? 0), 0);
    expect(examples.length).toBe(tags);
    expect(examples.length).toBeGreaterThan(0);
    for (const ex of examples) expect(ex.lines.some((l) => l.text.trim() !== ''), `${ex.file} example ${ex.index} is empty`).toBe(true);
  });

  it('reports a wrong example at its source line (the check can fail)', () => {
    expect(results.get('canary')).toEqual([expect.stringMatching(/^src\/index\.ts:8 \(example 0\): error TS2322: Type 'number' is not assignable to type 'string'/)]);
  });

  const files = [...new Set(examples.map((e) => e.file))];
  it.each(files)('%s: every example type-checks', (file) => {
    expect(results.get(file) ?? [], `examples of ${file} do not type-check`).toEqual([]);
  });
});
