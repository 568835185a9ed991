import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODELS, bundledModel } from '../../src/unet/bundled.js';

/** The repository's models/ folder: where the package root's models/ is in a checkout. */
const REPO_MODELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

describe('bundledModel', () => {
  it('is the absolute path of models/<name>.safetensors at the package root', () => {
    for (const name of BUNDLED_MODELS) {
      const p = bundledModel(name);
      expect(path.isAbsolute(p)).toBe(true);
      expect(p.endsWith(path.join('models', `${name}.safetensors`))).toBe(true);
      expect(p).toBe(path.join(REPO_MODELS, `${name}.safetensors`));
    }
  });

  it('names both shipped models', () => {
    expect([...BUNDLED_MODELS]).toEqual(['isbi2012-small', 'dsb2018-small']);
  });
});
