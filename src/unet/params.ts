/**
 * Parameters: names (PyTorch state_dict style), shapes, and He initialisation.
 *
 * Names: down.{i}.conv{1,2}.{weight,bias} for levels i = 0…depth−1; bottom.conv{1,2};
 * up.{i}.upconv, up.{i}.conv{1,2} for i = depth−1…0; out (the 1×1 conv).
 * 23 conv layers for the paper's depth 4 (Sec. 2): 18 3×3 convs, 4 up-convs, 1 1×1 conv.
 *
 * He init (Sec. 3: "Gaussian distribution with a standard deviation of √(2/N), where N
 * denotes the number of incoming nodes of one neuron", e.g. N = 9·64 for a 3×3 conv over
 * 64 channels). For the 2×2 stride-2 up-conv each output unit receives exactly one tap per
 * input channel, so N = Cin. Biases start at zero.
 */
import type { Shape, Tensor } from '../tensor/tensor.js';
import { size } from '../tensor/tensor.js';
import { rng } from '../tensor/random.js';
import { channelsAt, type UNetConfig } from './config.js';

export interface ParamSpec {
  readonly name: string;
  readonly shape: Shape;
  /** Incoming connections N of one unit (He init std √(2/N)); 0 for biases. */
  readonly fanIn: number;
}

export type Params = Readonly<Record<string, Tensor>>;

const conv = (prefix: string, cin: number, cout: number, k: number): ParamSpec[] => [
  { name: `${prefix}.weight`, shape: [cout, cin, k, k], fanIn: cin * k * k },
  { name: `${prefix}.bias`, shape: [1, cout, 1, 1], fanIn: 0 },
];

/** Every parameter of the network, in a fixed order. */
export const paramSpecs = (c: UNetConfig): readonly ParamSpec[] => {
  const specs: ParamSpec[] = [];
  let cin = c.inChannels;
  for (let i = 0; i < c.depth; i++) {
    const ch = channelsAt(c, i);
    specs.push(...conv(`down.${i}.conv1`, cin, ch, 3), ...conv(`down.${i}.conv2`, ch, ch, 3));
    cin = ch;
  }
  const bottom = channelsAt(c, c.depth);
  specs.push(...conv('bottom.conv1', cin, bottom, 3), ...conv('bottom.conv2', bottom, bottom, 3));
  for (let i = c.depth - 1; i >= 0; i--) {
    const ch = channelsAt(c, i);
    const above = channelsAt(c, i + 1);
    specs.push(
      { name: `up.${i}.upconv.weight`, shape: [above, ch, 2, 2], fanIn: above },
      { name: `up.${i}.upconv.bias`, shape: [1, ch, 1, 1], fanIn: 0 },
      ...conv(`up.${i}.conv1`, 2 * ch, ch, 3),
      ...conv(`up.${i}.conv2`, ch, ch, 3),
    );
  }
  specs.push(...conv('out', channelsAt(c, 0), c.classes, 1));
  return specs;
};

/** Total number of parameters (paper network, 1 channel in, 2 classes: 31,030,658). */
export const parameterCount = (c: UNetConfig): number => paramSpecs(c).reduce((s, p) => s + size(p.shape), 0);

/** He-initialised parameters, deterministic in `seed`; each tensor has its own stream. */
export const initParams = (c: UNetConfig, seed: number): Params => {
  const root = rng(seed);
  const out: Record<string, Tensor> = {};
  for (const p of paramSpecs(c)) {
    const r = root.split();
    const data = new Float32Array(size(p.shape));
    if (p.fanIn > 0) {
      const std = Math.sqrt(2 / p.fanIn);
      for (let i = 0; i < data.length; i++) data[i] = std * r.normal();
    }
    out[p.name] = { shape: p.shape, data };
  }
  return out;
};
