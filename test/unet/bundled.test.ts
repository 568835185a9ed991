import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODELS, bundledModel } from '../../src/unet/bundled.js';

/** The repository root and its models/ folder: where the package root's models/ is in a checkout. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REPO_MODELS = path.join(ROOT, 'models');

/** The model card JSON fields this test relies on (models/NAME.json). */
interface Card {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
  readonly network: { readonly parameters: number };
}

describe('bundledModel', () => {
  it('is the absolute path of models/<name>.safetensors at the package root', () => {
    for (const name of BUNDLED_MODELS) {
      const p = bundledModel(name);
      expect(path.isAbsolute(p)).toBe(true);
      expect(p.endsWith(path.join('models', `${name}.safetensors`))).toBe(true);
      expect(p).toBe(path.join(REPO_MODELS, `${name}.safetensors`));
    }
  });

  // BUNDLED_MODELS is a hand-kept list: check it against what is actually in models/, so a model
  // added, renamed or removed there without updating the list (or the reverse) fails here.
  it('names exactly the .safetensors files in models/, and models/ ships in the package', () => {
    const files = readdirSync(REPO_MODELS).filter((f) => f.endsWith('.safetensors')).map((f) => f.slice(0, -'.safetensors'.length));
    expect([...BUNDLED_MODELS].sort()).toEqual(files.sort());
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files?: string[] };
    expect(pkg.files).toContain('models');
  });

  // Each model has its cards (the Markdown one people read, the JSON one tools read), and the
  // JSON card describes this very file: its name, path and sha256 (hashing 2 × 7.4 MiB: ~50 ms).
  it.each(BUNDLED_MODELS)('%s has a card models/%s.md and a JSON card whose sha256 is the file', (name) => {
    const md = readFileSync(path.join(REPO_MODELS, `${name}.md`), 'utf8');
    expect(md).toContain(`# Model card: ${name}`);
    const card = JSON.parse(readFileSync(path.join(REPO_MODELS, `${name}.json`), 'utf8')) as Card;
    expect(card.name).toBe(name);
    expect(path.join(ROOT, card.file)).toBe(bundledModel(name));
    expect(createHash('sha256').update(readFileSync(bundledModel(name))).digest('hex')).toBe(card.sha256);
    // The Markdown card quotes the hash's two ends (`49e450d0…f1c70bed`): the same file.
    const quoted = /sha256 `([0-9a-f]+)…([0-9a-f]+)`/.exec(md);
    expect(quoted, `${name}.md quotes no sha256`).not.toBeNull();
    expect(card.sha256.startsWith(quoted![1]!) && card.sha256.endsWith(quoted![2]!), `${name}.md quotes ${quoted![0]}`).toBe(true);
  });
});
