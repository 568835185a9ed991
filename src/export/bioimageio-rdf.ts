/**
 * The `rdf.yaml` of a bioimage.io model package, format 0.5 (model description 0.5.7, the
 * newest the spec's published JSON schema knows), as a plain object: ./bioimageio.ts writes
 * it as YAML beside the files it names.
 *
 * What it says about the network, all from the model's config and ../unet/geometry.ts:
 * - input `input` [batch, channel, y, x]: y and x each `min + step·k` (188 + 16k for depth 4
 *   with valid convs); preprocessing `zero_mean_unit_variance` over y and x, i.e. per sample
 *   and channel — what unet-ts does to a whole image before tiling (`normalize('per-image')`;
 *   bioimage.io divides by std + 1e-6, unet-ts by std);
 * - output `probabilities` [batch, channel, y, x]: the softmax over the classes (computed in
 *   the graph), values in [0, 1]; y and x are the input's minus twice the halo (92 px at
 *   depth 4). The graph already crops the halo, which the spec expresses as a size offset of
 *   −2·halo ("to document a halo that is already cropped by the model use size.offset").
 */
import type { UNetConfig } from '../unet/config.js';
import { inputSizes } from './onnx-input.js';
import { ONNX_OPSET } from './onnx.js';

/** The model description format written (bioimage.io spec, model 0.5). */
export const BIOIMAGEIO_FORMAT_VERSION = '0.5.7';

/** The U-Net paper, cited by every package. */
export const UNET_CITATION = {
  text: 'Ronneberger, O., Fischer, P., Brox, T.: U-Net: Convolutional Networks for Biomedical Image Segmentation. MICCAI 2015, LNCS 9351, pp. 234-241',
  doi: '10.1007/978-3-319-24574-4_28',
} as const;

export interface Author {
  readonly name: string;
  readonly affiliation?: string;
  readonly github_user?: string;
  readonly orcid?: string;
}

/** A file of the package with its sha256 (hex). */
export interface PackagedFile {
  readonly source: string;
  readonly sha256: string;
}

/** What the description needs beyond the config: names, people, and the files' hashes. */
export interface RdfInput {
  readonly config: UNetConfig;
  /** 5 to 128 characters: letters, digits, spaces, `_ - ( )`. */
  readonly name: string;
  /** At most 1024 characters. */
  readonly description: string;
  readonly authors: readonly Author[];
  /** An SPDX licence identifier, e.g. 'MIT' or 'CC-BY-4.0'. */
  readonly license: string;
  readonly tags: readonly string[];
  /** ISO 8601 date and time of the export. */
  readonly timestamp: string;
  readonly weights: PackagedFile;
  readonly testInput: PackagedFile;
  readonly testOutput: PackagedFile;
  readonly cover: string;
  readonly documentation: string;
  readonly attachments: readonly PackagedFile[];
  /** Free-form provenance kept under `config.unet-ts` (source file, its sha256, unet-ts version). */
  readonly provenance: Readonly<Record<string, string>>;
}

const NAME = /^[A-Za-z0-9_\-() ]{5,128}$/;

/** Names of the input channels and output classes (`channel0`…, `class0`…). */
const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/**
 * The model description (the content of rdf.yaml) for a package; throws naming the field when
 * a name or description is outside what the format allows.
 *
 * @example
 * import { PRESETS, bioimageioRdf } from 'unet-ts';
 * const file = { source: 'weights.onnx', sha256: '0'.repeat(64) };
 * const rdf = bioimageioRdf({
 *   config: PRESETS.small, name: 'nuclei U-Net', description: 'Nuclei vs background', authors: [{ name: 'A. Person' }],
 *   license: 'MIT', tags: ['nuclei'], timestamp: new Date().toISOString(), weights: file, testInput: file, testOutput: file,
 *   cover: 'cover.png', documentation: 'documentation.md', attachments: [], provenance: {},
 * });
 * rdf.inputs[0]!.axes[2]; // { type: 'space', id: 'y', size: { min: 188, step: 16 } }
 */
export const bioimageioRdf = (r: RdfInput) => {
  if (!NAME.test(r.name)) throw new Error(`bioimageioRdf: name ${JSON.stringify(r.name)}: expected 5 to 128 letters, digits, spaces, '_', '-', '(' or ')'`);
  if (r.description.length > 1024) throw new Error(`bioimageioRdf: description has ${r.description.length} characters; expected at most 1024`);
  if (r.authors.length === 0) throw new Error('bioimageioRdf: authors is empty; expected at least one author (bioimage.io names the people behind a model)');
  const { config } = r;
  const { min, step, halo } = inputSizes(config);
  const space = (id: 'y' | 'x') => ({ type: 'space', id, size: { min, step } }) as const;
  const cropped = (id: 'y' | 'x') => ({ type: 'space', id, size: { tensor_id: 'input', axis_id: id, offset: -2 * halo } }) as const;
  return {
    format_version: BIOIMAGEIO_FORMAT_VERSION,
    type: 'model',
    name: r.name,
    description: r.description,
    authors: r.authors.map((a) => ({ ...a })),
    cite: [{ ...UNET_CITATION }],
    license: r.license,
    tags: [...r.tags],
    timestamp: r.timestamp,
    covers: [r.cover],
    documentation: r.documentation,
    attachments: r.attachments.map((f) => ({ ...f })),
    inputs: [
      {
        id: 'input',
        description: `image, ${config.inChannels} channel(s); y and x each ${min} + ${step}k`,
        axes: [{ type: 'batch' }, { type: 'channel', channel_names: names('channel', config.inChannels) }, space('y'), space('x')],
        test_tensor: { ...r.testInput },
        preprocessing: [{ id: 'zero_mean_unit_variance', kwargs: { axes: ['y', 'x'] } }],
      },
    ],
    outputs: [
      {
        id: 'probabilities',
        description: `softmax over ${config.classes} classes; ${halo} px per side of the input cropped (halo)`,
        axes: [{ type: 'batch' }, { type: 'channel', channel_names: names('class', config.classes) }, cropped('y'), cropped('x')],
        test_tensor: { ...r.testOutput },
        data: { type: 'float32', range: [0, 1] },
      },
    ],
    weights: {
      onnx: { ...r.weights, opset_version: ONNX_OPSET, comment: 'exported by unet-ts (exportOnnx): Conv, Relu, MaxPool, ConvTranspose, Slice, Concat, Softmax' },
    },
    config: { 'unet-ts': { ...r.provenance, model: { ...config }, halo, valid_input: `${min} + ${step}k` } },
  };
};

/** A model description as `bioimageioRdf` returns it. */
export type BioimageioRdf = ReturnType<typeof bioimageioRdf>;
