#!/usr/bin/env python3
"""One training step of the app's model in PyTorch, as a yardstick for the tfjs numbers (bench/nodeStep.ts).

The same shapes as src/core (DEFAULT_CONFIG.model): a ViT image tower (patchify by reshape, a linear patch embedding,
learned positions, pre-LN blocks with exact GELU, a final LayerNorm, mean pooling, a head without bias, L2), and for
CLIP the app's text tower (token embedding + positions, pre-LN blocks with a padding mask, LayerNorm, mean pooling
over real tokens, a head without bias, L2) with a learnable logit scale clamped to [0, ln 100]. X-Sample embeds two
augmented views of each image and trains against soft targets from a (random) caption graph. Each step draws its
augmentation on the device (crop-and-resize by grid_sample, brightness, contrast, saturation) as the app does, then
runs AdamW (decay on weight matrices only). Data are random (smooth random pictures, random captions and caption graph). Times the median of N steps after 2 warm-ups, on 1 CPU
thread and, where CUDA is available, on the GPU.

Needs only torch. Without it, says so and exits 0.
Flags as the Node bench: --batch 32 --width 64 --depth 2 --heads 4 --image 32 --patch 4 --steps 10
--objectives clip,xsample --json FILE; also --text-width --text-depth --max-tokens --mlp-ratio --proj-dim --vocab
--devices cpu,cuda.
"""
import argparse
import json
import math
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - the point is to run where torch is absent too
    print("bench_step.py: PyTorch is not installed here (import torch failed); no PyTorch numbers.")
    sys.exit(0)

# src/core/config.ts DEFAULT_CONFIG / DEFAULT_MODEL
LR, BETAS, EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.98), 1e-6, 0.05
TAU, TAU_S = 0.1, 0.1
LN_EPS = 1e-6  # src/core/layers.ts
CLIP_INIT_LOG_SCALE, CLIP_MAX_LOG_SCALE = math.log(1 / 0.07), math.log(100)
MIN_CROP, BRIGHTNESS, CONTRAST, SATURATION, FLIP = 0.5, 0.2, 0.2, 0.2, 0.5


class Block(nn.Module):
    """Pre-LN transformer block with separate q, k, v projections as in src/core/layers.ts."""

    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=LN_EPS)
        self.q, self.k, self.v, self.proj = (nn.Linear(dim, dim) for _ in range(4))
        self.norm2 = nn.LayerNorm(dim, eps=LN_EPS)
        self.fc1 = nn.Linear(dim, dim * mlp_ratio)
        self.fc2 = nn.Linear(dim * mlp_ratio, dim)

    def attn(self, x, key_mask):
        b, n, d = x.shape
        h, dh = self.heads, d // self.heads
        split = lambda t: t.view(b, n, h, dh).transpose(1, 2)  # (B, H, N, dh)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) * (1 / math.sqrt(dh))
        if key_mask is not None:
            scores = scores + key_mask  # (B, 1, 1, N): 0 or -1e4
        out = scores.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, d))

    def forward(self, x, key_mask=None):
        x = x + self.attn(self.norm1(x), key_mask)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))  # exact (erf) GELU


class Vit(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.patch = a.patch
        n = (a.image // a.patch) ** 2
        self.embed = nn.Linear(a.patch * a.patch * 3, a.width)
        self.pos = nn.Parameter(torch.randn(n, a.width) * 0.02)
        self.blocks = nn.ModuleList(Block(a.width, a.heads, a.mlp_ratio) for _ in range(a.depth))
        self.norm = nn.LayerNorm(a.width, eps=LN_EPS)
        self.head = nn.Linear(a.width, a.proj_dim, bias=False)

    def forward(self, images):  # (B, S, S, 3) in [0, 1], channels last as in the app
        b, s, _, c = images.shape
        p, g = self.patch, s // self.patch
        x = (images - 0.5) / 0.25
        x = x.view(b, g, p, g, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * c)
        x = self.embed(x) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return F.normalize(self.head(self.norm(x).mean(1)), dim=-1, eps=1e-6)


class TextTower(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.tok = nn.Parameter(torch.randn(a.vocab, a.text_width) * 0.02)
        self.pos = nn.Parameter(torch.randn(a.max_tokens, a.text_width) * 0.01)
        self.blocks = nn.ModuleList(Block(a.text_width, a.heads, a.mlp_ratio) for _ in range(a.text_depth))
        self.norm = nn.LayerNorm(a.text_width, eps=LN_EPS)
        self.head = nn.Linear(a.text_width, a.proj_dim, bias=False)

    def forward(self, ids, valid):  # ids (B, T) int64, valid (B, T) float 0/1
        x = F.embedding(ids, self.tok) + self.pos
        key_mask = ((1 - valid) * -1e4)[:, None, None, :]
        for blk in self.blocks:
            x = blk(x, key_mask)
        h = self.norm(x)
        w = valid[..., None]
        pooled = (h * w).sum(1) / w.sum(1)
        return F.normalize(self.head(pooled), dim=-1, eps=1e-6)


def augment(images):
    """The app's applyAugment: random resized crop (bilinear), flip, brightness, contrast, saturation, clip."""
    b = images.shape[0]
    dev = images.device
    x = images.permute(0, 3, 1, 2)  # (B, 3, S, S)
    scale = torch.empty(b, device=dev).uniform_(MIN_CROP, 1).sqrt()  # side of the crop, as a fraction
    cx = (torch.rand(b, device=dev) * 2 - 1) * (1 - scale)
    cy = (torch.rand(b, device=dev) * 2 - 1) * (1 - scale)
    flip = torch.where(torch.rand(b, device=dev) < FLIP, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3, device=dev)
    theta[:, 0, 0], theta[:, 0, 2] = scale * flip, cx
    theta[:, 1, 1], theta[:, 1, 2] = scale, cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    x = F.grid_sample(x, grid, mode="bilinear", align_corners=True)
    per = lambda r: torch.empty(b, 1, 1, 1, device=dev).uniform_(-r, r)
    x = x + per(BRIGHTNESS)
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * (1 + per(CONTRAST)) + mean
    grey = x.mean(1, keepdim=True)
    x = (x - grey) * (1 + per(SATURATION)) + grey
    return x.clamp(0, 1).permute(0, 2, 3, 1)


def soft_ce(logits, targets):
    return -(targets * logits.log_softmax(-1)).sum(-1).mean()


class Step:
    """Model, optimiser and data of one objective on one device; __call__ runs one training step."""

    def __init__(self, a, objective, device):
        g = torch.Generator().manual_seed(0)
        torch.manual_seed(0)
        self.a, self.objective, self.device = a, objective, device
        self.vit = Vit(a)
        modules = [self.vit]
        n = max(2 * a.batch, 64)
        # Smooth random pictures (4x4 colours, bilinear to full size): noise would make every pair look unrelated.
        coarse = torch.rand(n, 3, 4, 4, generator=g)
        self.images = F.interpolate(coarse, size=(a.image, a.image), mode="bilinear", align_corners=False).permute(0, 2, 3, 1).contiguous()
        if objective == "clip":
            self.text = TextTower(a)
            modules.append(self.text)
            self.logit_scale = nn.Parameter(torch.tensor(CLIP_INIT_LOG_SCALE))
            lengths = torch.randint(2, a.max_tokens + 1, (n,), generator=g)
            self.valid = (torch.arange(a.max_tokens)[None, :] < lengths[:, None]).float()
            self.ids = torch.randint(2, a.vocab, (n, a.max_tokens), generator=g) * self.valid.long()  # 0 = padding
        else:
            feats = F.normalize(torch.randn(n, 16, generator=g), dim=-1)
            self.graph = feats @ feats.T  # a caption graph: cosine similarities of caption vectors
        for m in modules:  # as src/core/layers.ts initLinear: weights N(0, 0.02), zero biases
            for lin in (x for x in m.modules() if isinstance(x, nn.Linear)):
                nn.init.normal_(lin.weight, std=0.02)
                if lin.bias is not None:
                    nn.init.zeros_(lin.bias)
        params = [p for m in modules for p in m.parameters()] + ([self.logit_scale] if objective == "clip" else [])
        for m in modules:
            m.to(device)
        if objective == "clip":
            self.logit_scale.data = self.logit_scale.data.to(device)
        decay = [p for p in params if p.dim() == 2]  # weight matrices (the app decays its [in, out] weights)
        rest = [p for p in params if p.dim() != 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}], lr=LR, betas=BETAS, eps=EPS
        )
        for name in ("images", "valid", "ids", "graph"):
            if hasattr(self, name):
                setattr(self, name, getattr(self, name).to(device))
        self.n = n
        self.eye = torch.eye(2 * a.batch, device=device)

    def loss(self, idx):
        a = self.a
        imgs = self.images[idx]
        if self.objective == "clip":
            x = self.vit(augment(imgs))
            y = self.text(self.ids[idx], self.valid[idx])
            logits = x @ y.T * self.logit_scale.exp()
            labels = torch.arange(a.batch, device=self.device)
            return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels))
        z = self.vit(torch.cat([augment(imgs), augment(imgs)]))  # (2B, d)
        g = self.graph[idx][:, idx].repeat(2, 2)
        self_mask = self.eye.bool()
        targets = (g / TAU_S).masked_fill(self_mask, -1e9).softmax(-1)
        logits = (z @ z.T / TAU).masked_fill(self_mask, -1e9)
        return soft_ce(logits, targets)

    def __call__(self):
        idx = torch.randint(0, self.n, (self.a.batch,), device=self.device)
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(idx)
        loss.backward()
        self.opt.step()
        if self.objective == "clip":
            with torch.no_grad():
                self.logit_scale.clamp_(0, CLIP_MAX_LOG_SCALE)
        return loss.item()  # a read-back, as the app's step ends with one


def time_steps(step, n, device):
    losses = [step() for _ in range(2)]
    times = []
    for _ in range(n):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        losses.append(step())
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return times, losses


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in [("batch", 32), ("width", 64), ("depth", 2), ("heads", 4), ("image", 32), ("patch", 4), ("steps", 10),
                          ("text-width", 64), ("text-depth", 1), ("max-tokens", 12), ("mlp-ratio", 2), ("proj-dim", 64), ("vocab", 300)]:
        p.add_argument(f"--{name}", type=int, default=default)
    p.add_argument("--objectives", default="clip,xsample")
    p.add_argument("--devices", default="cpu,cuda")
    p.add_argument("--json")
    a = p.parse_args(argv)
    if a.image % a.patch or a.width % a.heads or a.text_width % a.heads:
        p.error("image must be a multiple of patch, and width and text-width multiples of heads")
    objectives = [o for o in a.objectives.split(",") if o]
    bad = [o for o in objectives if o not in ("clip", "xsample")]
    if bad:
        p.error(f"unknown objective(s) {', '.join(bad)} (clip, xsample)")
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}; config: batch {a.batch}, image {a.image}, patch {a.patch}, width {a.width}, depth {a.depth}, "
          f"heads {a.heads}, text width {a.text_width}, vocab {a.vocab}; {a.steps} timed steps after 2 warm-up steps")
    devices = []
    for d in a.devices.split(","):
        if d == "cpu":
            devices.append((torch.device("cpu"), "CPU, 1 thread"))
        elif d == "cuda":
            if torch.cuda.is_available():
                devices.append((torch.device("cuda"), torch.cuda.get_device_name(0)))
            else:
                print("cuda: not available here")
    results = []
    for device, name in devices:
        for objective in objectives:
            try:
                times, losses = time_steps(Step(a, objective, device), a.steps, device)
                med = statistics.median(times)
                r = dict(device=device.type, adapter=name, objective=objective, medianMs=med, imagesPerSec=a.batch * 1000 / med,
                         stepMs=times, firstLoss=losses[0], lastLoss=losses[-1])
                print(f"{device.type:5} {objective:8} {med:9.2f} ms/step  {a.batch * 1000 / med:9.1f} images/s  "
                      f"loss {losses[0]:.3f} -> {losses[-1]:.3f}  ({name})")
            except RuntimeError as err:  # out of memory and the like: say so, go on
                r = dict(device=device.type, adapter=name, objective=objective, error=str(err).splitlines()[0])
                print(f"{device.type:5} {objective:8} failed: {r['error']}")
            results.append(r)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(request=vars(a), torch=torch.__version__, threads=torch.get_num_threads(), results=results), f, indent=2)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
