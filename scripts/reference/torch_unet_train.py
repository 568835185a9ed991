#!/usr/bin/env python3
"""PyTorch reference training run for unet-ts's learning curves (../shared/notes/accuracy.md).

Not part of the package or of `npm test`; needs only PyTorch (tested with Debian's 1.13) and
numpy, no scipy. Trains the same network as unet-ts (the U-Net of scripts/bench/torch_peer.py,
whose state-dict names and layouts are unet-ts's) with the reference recipe:

- data: a training set exported by scripts/reference/export-training-set.ts, i.e. the images
  normalised by unet-ts (per-image zero mean, unit std), unet-ts's class maps and unet-ts's own
  Eq. 2 weight maps (ISBI reference: class weights none, w0 0 = plain cross-entropy; DSB:
  data-set-wide class balance, w0 10, sigma 5);
- network: the `small` preset (valid convs, depth 4, base 16, dropout 0.5), He-normal init;
- batch 1, one random image per step, a random tile (--tile input, 444 -> 260 output): the
  output window lies on the image, its input context beyond the image is the mirror
  extrapolation (reflection about the edge pixels, as unet-ts's mirror.ts); output pixels whose
  source lies outside the image get weight 0 (as unet-ts's maskOutside);
- augmentation: one of the 8 flips / 90-degree rotations, and with probability --elastic-p
  (0.5) an elastic deformation: a 3x3 grid of displacements ~ N(0, 10 px), upsampled bicubically
  to the tile, applied with torch grid_sample (image bicubic, labels and weights nearest);
- loss: weighted pixel-wise softmax cross-entropy normalised by the sum of the weights,
  sum_x w(x) * -log p_l(x)(x) / sum_x w(x) (unet-ts's src/layers/softmax-cross-entropy.ts);
- Adam lr 1e-3 (betas 0.9/0.999, eps 1e-8) with cosine decay to 1e-5 over the WALL-CLOCK budget
  --minutes: lr(t) = final + (lr - final) * (1 + cos(pi * t / T)) / 2, t = seconds since start;
- torch.set_num_threads(--threads, default 2), OpenMP waiting passive (see below); seeded (--seed).

Output in --out DIR:
- snap-<elapsed s>-<step>.safetensors every --snapshot-every seconds of wall time and at the
  end: unet-ts model files (tensors in name order, biases [C], config JSON in __metadata__ as
  unet-ts's writeModelFile writes it), loadable by `unet-ts evaluate/segment/info`;
- log.jsonl: {"type":"step","step","loss","lr","seconds","elapsed"} every --log-every steps
  (loss = mean of those steps) and {"type":"snapshot","step","elapsed","file","loss"} per snapshot.
  `elapsed` is seconds of wall time since the first step started; writing a snapshot is
  included (a few ms), evaluation is not (it happens afterwards, evaluate-snapshots.ts).

  python3 scripts/reference/torch_unet_train.py --data isbi-train.safetensors --out out/torch-isbi \\
      --minutes 25 [--tile 444] [--snapshot-every 60] [--log-every 50] [--seed 0] [--threads 2]
"""
import argparse
import json
import math
import os
import struct
import sys
import time

# OpenMP threads that spin while they wait make 2 threads ~6x slower than 1 as soon as anything
# else runs on a 2-core machine (measured: 3.3 s vs 0.51 s a 444 step); passive waiting costs
# nothing measurable when the machine is idle. Set before torch loads libgomp; an explicit
# OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from torch_peer import UNet, read_safetensors  # noqa: E402  (the network unet-ts is verified against)

# unet-ts's `small` preset (src/unet/config.ts), key order as JSON.stringify writes it
SMALL = {"inChannels": 1, "classes": 2, "depth": 4, "base": 16, "dropout": 0.5, "padding": "valid", "tile": 572}


def output_size(depth, n):
    """Output size of a valid-convolution U-Net for input n (src/unet/geometry.ts), or None."""
    s = n
    for _ in range(depth):
        s -= 4
        if s <= 0 or s % 2:
            return None
        s //= 2
    s -= 4
    if s <= 0:
        return None
    for _ in range(depth):
        s = 2 * s - 4
        if s <= 0:
            return None
    return s


def he_init(net, gen):
    """unet-ts's initParams: weights N(0, 2/fan_in) (conv: Cin*k*k; up-conv: Cin), biases 0."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith(".bias"):
                p.zero_()
            else:
                fan_in = p.shape[0] if ".upconv." in name else p.shape[1] * p.shape[2] * p.shape[3]
                p.copy_(torch.randn(p.shape, generator=gen) * math.sqrt(2.0 / fan_in))


def write_model(path, net, cfg):
    """A unet-ts model file (src/unet/checkpoint.ts writeModelFile + src/checkpoint/safetensors.ts)."""
    state = {k: v.detach().contiguous().to(torch.float32) for k, v in net.state_dict().items()}
    fields = ['"__metadata__":' + json.dumps({"format": "unet-ts/1", "config": json.dumps(cfg, separators=(",", ":"))}, separators=(",", ":"), ensure_ascii=False)]
    blobs = []
    offset = 0
    for name in sorted(state):
        t = state[name]
        data = t.numpy().astype("<f4").tobytes()
        info = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        fields.append(json.dumps(name) + ":" + json.dumps(info, separators=(",", ":")))
        blobs.append(data)
        offset += len(data)
    header = ("{" + ",".join(fields) + "}").encode("utf-8")
    padded = (8 + len(header) + 7) // 8 * 8 - 8
    header += b" " * (padded - len(header))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_training_set(path):
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "unet-ts-training-set/1":
        raise ValueError(f"{path}: not a training set of export-training-set.ts (format {meta.get('format')!r})")
    stems = json.loads(meta["stems"])
    items = []
    for k in range(len(stems)):
        img = tensors[f"image.{k}"]
        items.append((img, tensors[f"classes.{k}"], tensors[f"weights.{k}"]))
    return items, stems, json.loads(meta.get("options", "{}"))


# the 8 elements of the dihedral group as 2x2 matrices acting on (x, y)
DIHEDRAL = [
    ((1, 0), (0, 1)), ((0, -1), (1, 0)), ((-1, 0), (0, -1)), ((0, 1), (-1, 0)),
    ((-1, 0), (0, 1)), ((1, 0), (0, -1)), ((0, 1), (1, 0)), ((0, -1), (-1, 0)),
]


class TileSampler:
    def __init__(self, n, o, elastic_p, elastic_sigma, elastic_grid, gen):
        self.n, self.o, self.halo = n, o, (n - o) // 2
        self.elastic_p, self.sigma, self.grid = elastic_p, elastic_sigma, elastic_grid
        self.gen = gen
        ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
        c = (n - 1) / 2
        self.px, self.py = xs - c, ys - c  # tile pixel relative to the tile centre

    def _randint(self, lo, hi):
        """Uniform integer in [lo, hi]."""
        return lo + int(torch.randint(hi - lo + 1, (1,), generator=self.gen))

    def sample(self, item):
        img, cls, wts = item
        _, h, w = img.shape
        n, o, halo = self.n, self.o, self.halo
        ox = self._randint(min(0, w - o), max(0, w - o))
        oy = self._randint(min(0, h - o), max(0, h - o))
        qx, qy = self.px, self.py
        if float(torch.rand(1, generator=self.gen)) < self.elastic_p:
            g = self.grid
            coarse = torch.randn((1, 2, g, g), generator=self.gen) * self.sigma
            field = F.interpolate(coarse, size=(n, n), mode="bicubic", align_corners=True)[0]
            qx, qy = qx + field[0], qy + field[1]
        (a, b), (c, d) = DIHEDRAL[self._randint(0, 7)]
        cx = ox - halo + (n - 1) / 2
        cy = oy - halo + (n - 1) / 2
        sx = cx + a * qx + b * qy  # source coordinates in image pixels
        sy = cy + c * qx + d * qy
        # grid_sample with align_corners=True: -1 and 1 are the centres of the edge pixels, and
        # padding_mode='reflection' reflects about them, i.e. mirror extrapolation (mirror.ts)
        gx = 2 * sx / max(1, w - 1) - 1
        gy = 2 * sy / max(1, h - 1) - 1
        grid = torch.stack([gx, gy], dim=-1)[None]
        x = F.grid_sample(img[None], grid, mode="bicubic", padding_mode="reflection", align_corners=True)
        og = grid[:, halo : halo + o, halo : halo + o]
        lw = torch.stack([cls, wts])[None]
        lab = F.grid_sample(lw, og, mode="nearest", padding_mode="reflection", align_corners=True)[0]
        labels = lab[0].round().long()
        weights = lab[1].clone()
        ix = torch.floor(sx[halo : halo + o, halo : halo + o] + 0.5)
        iy = torch.floor(sy[halo : halo + o, halo : halo + o] + 0.5)
        outside = (ix < 0) | (iy < 0) | (ix >= w) | (iy >= h)
        weights[outside] = 0
        return x, labels[None], weights[None]


def main(argv):
    p = argparse.ArgumentParser(description="PyTorch reference training run (unet-ts learning curves)")
    p.add_argument("--data", required=True, help="training set from scripts/reference/export-training-set.ts")
    p.add_argument("--out", required=True, help="run folder (snapshots, log.jsonl)")
    p.add_argument("--minutes", type=float, required=True, help="wall-clock budget; the cosine decay spans it")
    p.add_argument("--tile", type=int, default=444, help="input tile size (default 444 -> 260)")
    p.add_argument("--snapshot-every", type=float, default=60, help="seconds of wall time between snapshots")
    p.add_argument("--log-every", type=int, default=50, help="steps between step lines")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--lr-final", type=float, default=1e-5)
    p.add_argument("--elastic-p", type=float, default=0.5)
    p.add_argument("--elastic-sigma", type=float, default=10.0)
    p.add_argument("--elastic-grid", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)  # dropout
    gen = torch.Generator().manual_seed(a.seed)
    cfg = dict(SMALL)
    o = output_size(cfg["depth"], a.tile)
    if o is None:
        raise ValueError(f"--tile {a.tile} is not a valid input size for depth {cfg['depth']} (valid convolutions)")
    items, stems, options = load_training_set(a.data)
    if any(img.shape[0] != cfg["inChannels"] for img, _, _ in items):
        raise ValueError(f"{a.data}: images must have {cfg['inChannels']} channel(s)")
    os.makedirs(a.out, exist_ok=True)
    log_path = os.path.join(a.out, "log.jsonl")
    if os.path.exists(log_path) and os.path.getsize(log_path) > 0:
        raise ValueError(f"{log_path} exists; give a fresh --out folder")
    log = open(log_path, "a", encoding="utf-8")

    def emit(entry):
        log.write(json.dumps(entry) + "\n")
        log.flush()

    net = UNet(cfg)
    he_init(net, gen)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    sampler = TileSampler(a.tile, o, a.elastic_p, a.elastic_sigma, a.elastic_grid, gen)
    budget = a.minutes * 60.0
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads: {len(items)} training images of {options.get('dataset')}, "
        f"tile {a.tile} -> {o}, class weights {options.get('classWeights')}, w0 {options.get('w0')}, sigma {options.get('sigma')}; "
        f"Adam lr {a.lr} cosine to {a.lr_final} over {a.minutes} min; snapshots every {a.snapshot_every} s; seed {a.seed}",
        flush=True,
    )

    step = 0
    window = []
    last_loss = float("nan")
    t0 = time.perf_counter()
    next_snap = a.snapshot_every

    def snapshot(elapsed):
        name = f"snap-{int(round(elapsed))}-{step}.safetensors"
        write_model(os.path.join(a.out, name), net, cfg)
        emit({"type": "snapshot", "step": step, "elapsed": round(elapsed, 3), "file": name, "loss": last_loss})
        print(f"step {step}, {elapsed:.0f} s: loss {last_loss:.4f}, wrote {name}", flush=True)

    while True:
        elapsed = time.perf_counter() - t0
        if elapsed >= budget:
            break
        lr = a.lr_final + (a.lr - a.lr_final) * (1 + math.cos(math.pi * min(1.0, elapsed / budget))) / 2
        for group in opt.param_groups:
            group["lr"] = lr
        item = items[int(torch.randint(len(items), (1,), generator=gen))]
        x, labels, weights = sampler.sample(item)
        wsum = weights.sum()
        if not float(wsum) > 0:
            continue  # every output pixel reads outside the image (cannot happen for o <= image size)
        ts = time.perf_counter()
        opt.zero_grad()
        ce = F.cross_entropy(net(x), labels, reduction="none")
        loss = (weights * ce).sum() / wsum
        loss.backward()
        opt.step()
        step += 1
        last_loss = float(loss)
        if not math.isfinite(last_loss):
            raise FloatingPointError(f"step {step}: the loss is {last_loss}")
        window.append((last_loss, time.perf_counter() - ts))
        if step % a.log_every == 0:
            emit({
                "type": "step", "step": step, "loss": sum(l for l, _ in window) / len(window), "lr": lr,
                "seconds": sum(s for _, s in window) / len(window), "elapsed": round(time.perf_counter() - t0, 3),
            })
            window = []
        elapsed = time.perf_counter() - t0
        if elapsed >= next_snap and elapsed < budget:
            snapshot(elapsed)
            while next_snap <= elapsed:
                next_snap += a.snapshot_every
    snapshot(time.perf_counter() - t0)
    total = time.perf_counter() - t0
    print(f"done: {step} steps in {total:.1f} s ({total / max(1, step):.3f} s a step, sampling included)", flush=True)
    log.close()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:
        print(f"torch_unet_train.py: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
