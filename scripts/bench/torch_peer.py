#!/usr/bin/env python3
"""PyTorch peer of `unet-ts bench` (src/bench/torch-peer.ts spawns it; never required).

Runs the same U-Net with the same weights as unet-ts: the weights come from a unet-ts model
file (safetensors, tensors named like a PyTorch state_dict, config JSON in __metadata__) and
load into the network below with strict=True; the input (and, for a training step, the labels
and pixel weights) from a second safetensors file. Times the first call and `--reps` further
calls of a forward pass (eval mode, no autograd) or a training step (weighted softmax
cross-entropy of paper Eq. 1, backward, Adam lr 1e-4, dropout active) with
torch.set_num_threads(--threads), and prints ONE JSON line on stdout:

  {"peer": "torch", "torch": "1.13.1", "threads": 2, "mode": "forward",
   "firstMs": 812.3, "samplesMs": [120.1, 119.5, 121.0], "logitsShape": [1, 2, 388, 388]}

With --logits FILE the forward's logits are written there as raw little-endian float32, NCHW
(unet-ts's layout), for the comparison. Errors go to stderr with exit status 1.

  python3 scripts/bench/torch_peer.py --model M.safetensors --sample S.safetensors \
      --mode forward|train [--reps 3] [--threads 2] [--logits OUT.f32]

Architecture (src/unet/architecture.ts): per level two 3x3 convs + ReLU, 2x2 max-pool; bottom
two convs then dropout; per level up: ConvTranspose2d 2x2 stride 2 (weight [Cin, Cout, 2, 2]),
centre crop of the skip map, concatenation [cropped skip, upsampled], two convs + ReLU; a 1x1
conv to the classes. Valid padding: no padding; 'same': 1 px of zeros.
"""
import argparse
import json
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file of F32 tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, h in header.items():
        if h["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {h['dtype']}, expected F32")
        b, e = h["data_offsets"]
        t = torch.frombuffer(bytearray(raw[base + b : base + e]), dtype=torch.float32)
        tensors[name] = t.reshape(h["shape"]).clone()
    return tensors, meta


class Block(nn.Module):
    def __init__(self, cin, cout, pad):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=pad)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=pad)

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))))


class Up(nn.Module):
    def __init__(self, cin, cout, pad):
        super().__init__()
        self.upconv = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        self.conv1 = nn.Conv2d(2 * cout, cout, 3, padding=pad)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=pad)

    def forward(self, x, skip):
        up = self.upconv(x)
        dy = (skip.shape[2] - up.shape[2]) // 2
        dx = (skip.shape[3] - up.shape[3]) // 2
        crop = skip[:, :, dy : dy + up.shape[2], dx : dx + up.shape[3]]
        h = torch.cat([crop, up], dim=1)
        return F.relu(self.conv2(F.relu(self.conv1(h))))


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        depth, base = cfg["depth"], cfg["base"]
        pad = 0 if cfg.get("padding", "valid") == "valid" else 1
        ch = [base * 2**i for i in range(depth + 1)]
        self.depth = depth
        self.down = nn.ModuleList([Block(cfg["inChannels"] if i == 0 else ch[i - 1], ch[i], pad) for i in range(depth)])
        self.bottom = Block(ch[depth - 1] if depth > 0 else cfg["inChannels"], ch[depth], pad)
        self.drop = nn.Dropout(cfg.get("dropout", 0.0))
        self.up = nn.ModuleList([Up(ch[i + 1], ch[i], pad) for i in range(depth)])
        self.out = nn.Conv2d(ch[0], cfg["classes"], 1)

    def forward(self, x):
        skips = []
        h = x
        for i in range(self.depth):
            h = self.down[i](h)
            skips.append(h)
            h = F.max_pool2d(h, 2)
        h = self.drop(self.bottom(h))
        for i in reversed(range(self.depth)):
            h = self.up[i](h, skips[i])
        return self.out(h)


def load_model(path):
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["config"])
    net = UNet(cfg)
    # unet-ts stores biases as [C] and weights in PyTorch's layouts: the names and shapes must match exactly
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    net.load_state_dict(state, strict=True)
    return net, cfg


def timed(f, reps):
    t0 = time.perf_counter()
    f()
    first = (time.perf_counter() - t0) * 1000
    samples = []
    for _ in range(max(1, reps)):
        t0 = time.perf_counter()
        f()
        samples.append((time.perf_counter() - t0) * 1000)
    return first, samples


def main(argv):
    p = argparse.ArgumentParser(description="PyTorch peer of unet-ts bench")
    p.add_argument("--model", required=True)
    p.add_argument("--sample", required=True)
    p.add_argument("--mode", choices=["forward", "train"], required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--logits")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net, cfg = load_model(a.model)
    sample, _ = read_safetensors(a.sample)
    x = sample["image"]
    out = {"peer": "torch", "torch": torch.__version__, "threads": torch.get_num_threads(), "mode": a.mode}
    if a.mode == "forward":
        net.eval()
        last = {}

        def fwd():
            with torch.no_grad():
                last["y"] = net(x)

        first, samples = timed(fwd, a.reps)
        y = last["y"].contiguous()
        out["logitsShape"] = list(y.shape)
        if a.logits:
            with open(a.logits, "wb") as f:
                f.write(y.numpy().astype("<f4").tobytes())
    else:
        net.train()
        labels = sample["labels"].reshape(sample["labels"].shape[0], *sample["labels"].shape[2:]).long()
        weights = sample["weights"].reshape(labels.shape)
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)
        losses = []

        def step():
            opt.zero_grad()
            ce = F.cross_entropy(net(x), labels, reduction="none")
            loss = (weights * ce).sum() / weights.sum()
            loss.backward()
            opt.step()
            losses.append(float(loss))

        first, samples = timed(step, a.reps)
        out["firstLoss"] = losses[0]
    out["firstMs"] = first
    out["samplesMs"] = samples
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:  # one line for the bench to quote
        print(f"torch_peer.py: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
