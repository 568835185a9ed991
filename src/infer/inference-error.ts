/**
 * The error of every inference function (segmentImage, evaluateModel, the input and model
 * checks of files.ts): one line naming the value or file and what was expected.
 *
 * Public functions throw (the project's error policy, README "Errors"); a named class lets
 * an embedding program tell "this image or tile size does not fit the model" from a bug.
 *
 * @example
 * import { InferenceError, segmentImage } from 'unet-ts';
 * declare const rgb: Image; // 3 channels, for a model with inChannels 1
 * try { await segmentImage(rt, model, rgb); } catch (e) { if (e instanceof InferenceError) console.error(e.message); }
 * // "segmentImage: the image has 3 channel(s), the model expects 1 (inChannels)"
 */
export class InferenceError extends Error {
  readonly _tag = 'InferenceError' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InferenceError';
  }
}
