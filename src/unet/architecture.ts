/**
 * The U-Net of the paper's Fig. 1, written once. Every network in unet-ts — the taped forward
 * pass that trains and infers on the GPU.js kernels (./model.ts) and the float64 reference
 * network the gradients are checked against (./reference.ts) — is this function run with a
 * different interpreter of its layers (`Layers<T>`); ./params.ts lists the parameters the same
 * walk asks for, which test/unet/architecture.test.ts checks name by name.
 *
 * Contracting path (Sec. 2): per level two 3×3 convs, each followed by a ReLU, then a 2×2
 * max-pool with stride 2; the channel count doubles per level (`channelsAt`). Bottom: two
 * convs, then dropout ("drop-out layers at the end of the contracting path", Sec. 3.1).
 * Expanding path: a 2×2 up-convolution halving the channels, concatenation with the
 * centre-cropped feature map of the same level ("the cropping is necessary due to the loss of
 * border pixels in every convolution"), two 3×3 convs + ReLU. Last: a 1×1 conv to the classes.
 * Parameters are named like a PyTorch state_dict: `down.{i}.conv{1,2}`, `bottom.conv{1,2}`,
 * `up.{i}.upconv`, `up.{i}.conv{1,2}`, `out`.
 */
import { channelsAt, type UNetConfig } from './config.js';

/** What the architecture needs from an interpreter; `name` prefixes a layer's `.weight`/`.bias`. */
export interface Layers<T> {
  /**
   * A k×k convolution with bias to `cout` channels (3×3 with the config's padding, or the 1×1
   * output conv), followed by a ReLU when `then` is 'relu' (every 3×3 conv of the paper).
   */
  readonly conv: (name: string, x: T, cout: number, k: 1 | 3, then: 'relu' | 'linear') => Promise<T>;
  readonly maxPool: (x: T) => Promise<T>;
  /** Dropout at the end of the contracting path (the identity where the interpreter does not train). */
  readonly dropout: (x: T) => Promise<T>;
  /** The 2×2 stride-2 up-convolution with bias to `cout` channels. */
  readonly upConv: (name: string, x: T, cout: number) => Promise<T>;
  /** The centre of `skip` with the height and width of `like`. */
  readonly crop: (skip: T, like: T) => Promise<T>;
  /** [a; b] along channels. */
  readonly concat: (a: T, b: T) => Promise<T>;
}

/**
 * The network: class logits for input x, built from the interpreter's layers.
 *
 * @example
 * import { PRESETS, unet, type Layers } from 'unet-ts';
 * // Count the conv layers (23 for the paper's depth 4, Sec. 2): run the walk on channel counts.
 * let convs = 0;
 * const count: Layers<number> = {
 *   conv: async (_n, _x, cout) => (convs++, cout), maxPool: async (x) => x,
 *   dropout: async (x) => x, upConv: async (_n, _x, cout) => (convs++, cout), crop: async (s) => s,
 *   concat: async (a, b) => a + b,
 * };
 * await unet(PRESETS.paper, count)(1);
 */
export const unet =
  <T>(c: UNetConfig, L: Layers<T>) =>
  async (x: T): Promise<T> => {
    const block = async (prefix: string, h: T, ch: number): Promise<T> =>
      L.conv(`${prefix}.conv2`, await L.conv(`${prefix}.conv1`, h, ch, 3, 'relu'), ch, 3, 'relu');
    const skips: T[] = [];
    let h = x;
    for (let i = 0; i < c.depth; i++) {
      h = await block(`down.${i}`, h, channelsAt(c, i));
      skips.push(h);
      h = await L.maxPool(h);
    }
    h = await L.dropout(await block('bottom', h, channelsAt(c, c.depth)));
    for (let i = c.depth - 1; i >= 0; i--) {
      const up = await L.upConv(`up.${i}.upconv`, h, channelsAt(c, i));
      h = await block(`up.${i}`, await L.concat(await L.crop(skips[i]!, up), up), channelsAt(c, i));
    }
    return L.conv('out', h, c.classes, 1, 'linear');
  };
