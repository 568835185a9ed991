/**
 * The VJP table: one rule (forward + vector-Jacobian product) per op, keyed by op name.
 * Its type `{ [K in OpName]: OpRule<K> }` makes a missing rule a compile error (JAX's
 * primitive → VJP registry, checked by the type system instead of at run time).
 */
import type { OpName, OpRule } from './op.js';
import { add } from './add.js';
import { centerCrop } from './center-crop.js';
import { concat } from './concat.js';
import { conv2d } from './conv2d.js';
import { dropout } from './dropout.js';
import { maxPool2 } from './max-pool2.js';
import { relu } from './relu.js';
import { softDice } from './soft-dice.js';
import { softmaxCrossEntropy } from './softmax-cross-entropy.js';
import { upConv2 } from './up-conv2.js';

export type RuleTable = { readonly [K in OpName]: OpRule<K> };

export const rules: RuleTable = { conv2d, relu, maxPool2, upConv2, centerCrop, concat, dropout, softmaxCrossEntropy, softDice, add };
