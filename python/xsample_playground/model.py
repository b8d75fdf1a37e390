"""The app's model (src/core/vit.ts, textTower.ts, layers.ts, model.ts) in PyTorch, under the app's parameter names.

Weight matrices are stored [in, out] as in the app, so that `state_dict()` keys and shapes equal the app's snapshot
(Params) names and shapes; safetensors.py maps them to and from timm's names and layouts ([out, in], fused qkv,
conv patch embedding). Initial weights are drawn from the app's seeded Rng in the app's order, so that a seed gives
the browser's initial weights.
"""
import math

import torch
import torch.nn as nn

from .config import clip_init_log_scale, uses_text_tower
from .rng import text_rng, visual_rng
from .tokenizer import PAD

LN_EPS = 1e-6  # as timm's ViT
CLIP_INIT_LOG_SCALE = math.log(1 / 0.07)
CLIP_MAX_LOG_SCALE = math.log(100)
SIGLIP_INIT_SCALE = 10.0
SIGLIP_INIT_BIAS = -10.0


class Linear(nn.Module):
    """y = x W (+ b) with W stored [in, out] as in the app."""

    def __init__(self, inp, out, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(inp, out))
        self.bias = nn.Parameter(torch.zeros(out)) if bias else None

    def forward(self, x):
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y


class LayerNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        # As the app: biased variance over the last axis, eps inside the root.
        mean = x.mean(-1, keepdim=True)
        var = (x - mean).pow(2).mean(-1, keepdim=True)
        return (x - mean) * torch.rsqrt(var + LN_EPS) * self.weight + self.bias


def gelu(x):
    """Exact GELU: 0.5 x (1 + erf(x / sqrt 2))."""
    return x * 0.5 * (torch.erf(x * math.sqrt(0.5)) + 1)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.proj = Linear(dim, dim), Linear(dim, dim), Linear(dim, dim), Linear(dim, dim)

    def forward(self, x, key_mask=None):
        b, n, d = x.shape
        h, dh = self.heads, d // self.heads
        split = lambda t: t.reshape(b, n, h, dh).transpose(1, 2)  # (B, H, N, dh)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = (q @ k.transpose(-1, -2)) * (1 / math.sqrt(dh))
        if key_mask is not None:
            scores = scores + key_mask  # (B, 1, 1, N): 0 or -1e4
        att = torch.softmax(scores, -1)
        out = (att @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(out)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.fc2 = Linear(dim, hidden), Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(gelu(self.fc1(x)))


class Block(nn.Module):
    """Pre-LN block: x + attn(LN(x)), then x + mlp(LN(x))."""

    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = LayerNorm(dim)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x, key_mask=None):
        x = x + self.attn(self.norm1(x), key_mask)
        return x + self.mlp(self.norm2(x))


def l2_normalize(x):
    return x * torch.rsqrt(x.pow(2).sum(-1, keepdim=True) + 1e-12)


def patchify(images, patch):
    """(B, S, S, 3) -> (B, N, P*P*3), row-major over the patch grid, each patch (py, px, c)."""
    b, hgt, wid, c = images.shape
    gh, gw = hgt // patch, wid // patch
    x = images.reshape(b, gh, patch, gw, patch, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, gh * gw, patch * patch * c)


class PatchEmbed(nn.Module):
    def __init__(self, patch_dim, width):
        super().__init__()
        self.proj = Linear(patch_dim, width)


class VisionTransformer(nn.Module):
    """The image tower: images (B, S, S, 3) in [0, 1] -> pooled (B, width) and unit embeddings (B, projDim)."""

    def __init__(self, m):
        super().__init__()
        self.m = m
        n = (m["imageSize"] // m["patchSize"]) ** 2
        self.patch_embed = PatchEmbed(m["patchSize"] ** 2 * 3, m["width"])
        self.pos_embed = nn.Parameter(torch.zeros(n, m["width"]))
        self.blocks = nn.ModuleList(Block(m["width"], m["heads"], m["mlpRatio"]) for _ in range(m["depth"]))
        self.norm = LayerNorm(m["width"])
        self.head = Linear(m["width"], m["projDim"], bias=False)

    def forward(self, images):
        x0 = (images - 0.5) / 0.25
        x = self.patch_embed.proj(patchify(x0, self.m["patchSize"])) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        pooled = self.norm(x).mean(1)
        return pooled, l2_normalize(self.head(pooled))


class TextTower(nn.Module):
    """ids (B, T) with PAD = 0 -> unit embeddings (B, projDim); masked attention and masked mean pooling."""

    def __init__(self, m, vocab_size):
        super().__init__()
        self.m = m
        self.token_embedding = nn.Parameter(torch.zeros(vocab_size, m["textWidth"]))
        self.pos_embed = nn.Parameter(torch.zeros(m["maxTokens"], m["textWidth"]))
        self.blocks = nn.ModuleList(Block(m["textWidth"], m["heads"], m["mlpRatio"]) for _ in range(m["textDepth"]))
        self.norm = LayerNorm(m["textWidth"])
        self.head = Linear(m["textWidth"], m["projDim"], bias=False)

    def forward(self, ids):
        x = self.token_embedding[ids] + self.pos_embed  # the app's one-hot matMul, as a lookup
        valid = (ids != PAD).to(x.dtype)  # (B, T)
        key_mask = ((1 - valid) * -1e4)[:, None, None, :]
        for blk in self.blocks:
            x = blk(x, key_mask)
        h = self.norm(x)
        w = valid[..., None]
        pooled = (h * w).sum(1) / w.sum(1)
        return l2_normalize(self.head(pooled))


class ContrastiveModel(nn.Module):
    """`visual`, `text` (CLIP, SigLIP, xclip) and the scalars `logit_scale` (θ, t = exp θ) and `logit_bias` (SigLIP)."""

    def __init__(self, cfg, vocab_size=0):
        super().__init__()
        self.cfg = cfg
        objective = cfg["objective"]
        self.visual = VisionTransformer(cfg["model"])
        if uses_text_tower(objective):
            self.text = TextTower(cfg["model"], vocab_size)
        if objective in ("clip", "xclip"):
            self.logit_scale = nn.Parameter(torch.tensor(clip_init_log_scale(cfg, CLIP_INIT_LOG_SCALE), dtype=torch.float32))
        if objective == "siglip":
            self.logit_scale = nn.Parameter(torch.tensor(math.log(SIGLIP_INIT_SCALE), dtype=torch.float32))
            self.logit_bias = nn.Parameter(torch.tensor(SIGLIP_INIT_BIAS, dtype=torch.float32))
        self.views = 2 if objective in ("xsample", "simclr") else 1

    def decayed(self):
        """Names with weight decay: the weight matrices of linear layers (the app's Params.decayed)."""
        return {f"{n}.weight" for n, mod in self.named_modules() if isinstance(mod, Linear)}

    def init_from_seed(self, seed):
        """The app's initial weights for `seed` (Params.add in the order of initVit / initTextTower)."""
        with torch.no_grad():
            _init_tower(self.visual, visual_rng(seed), text=False)
            if hasattr(self, "text"):
                _init_tower(self.text, text_rng(seed), text=True)
        return self

    def after_step(self):
        """CLIP clamps θ to [0, ln 100] after every step, as open_clip."""
        if self.cfg["objective"] in ("clip", "xclip"):
            with torch.no_grad():
                self.logit_scale.clamp_(0, CLIP_MAX_LOG_SCALE)


def _normal(t, std, rng):
    vals = [rng.trunc_normal(std) for _ in range(t.numel())]
    t.copy_(torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(t.shape))


def _init_linear(lin, rng):
    _normal(lin.weight, 0.02, rng)
    if lin.bias is not None:
        lin.bias.zero_()


def _init_ln(ln):
    ln.weight.fill_(1)
    ln.bias.zero_()


def _init_tower(tower, rng, text):
    if text:
        _normal(tower.token_embedding, 0.02, rng)
        _normal(tower.pos_embed, 0.01, rng)
    else:
        _init_linear(tower.patch_embed.proj, rng)
        _normal(tower.pos_embed, 0.02, rng)
    for blk in tower.blocks:
        _init_ln(blk.norm1)
        for lin in (blk.attn.q, blk.attn.k, blk.attn.v, blk.attn.proj):
            _init_linear(lin, rng)
        _init_ln(blk.norm2)
        _init_linear(blk.mlp.fc1, rng)
        _init_linear(blk.mlp.fc2, rng)
    _init_ln(tower.norm)
    _init_linear(tower.head, rng)
