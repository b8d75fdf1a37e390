"""AdamW and the learning-rate schedule exactly as src/core/optimizer.ts."""
import math

import torch


def learning_rate(step, lr, warmup, total, min_ratio):
    """Linear warm-up to lr, then cosine decay to lr * min_ratio at `total` steps; step counts from 0."""
    if warmup > 0 and step < warmup:
        return lr * (step + 1) / warmup
    span = max(1, total - warmup)
    progress = min(1, (step - warmup) / span)
    return lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


class AdamW:
    """m, v moments with bias correction; update = (m/c1) / (sqrt(v/c2) + eps) (+ wd * w on decayed names);
    w -= lr * update. Decoupled decay on `decayed` names only (weight matrices)."""

    def __init__(self, named_params, decayed, beta1=0.9, beta2=0.98, eps=1e-6, weight_decay=0.05):
        self.params = dict(named_params)
        self.decayed = set(decayed)
        self.beta1, self.beta2, self.eps, self.weight_decay = beta1, beta2, eps, weight_decay
        self.m = {}
        self.v = {}
        self.t = 0

    @torch.no_grad()
    def step(self, lr):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1 = 1 - b1 ** self.t
        c2 = 1 - b2 ** self.t
        for name, w in self.params.items():
            g = w.grad
            if g is None:
                continue
            m = self.m.setdefault(name, torch.zeros_like(w))
            v = self.v.setdefault(name, torch.zeros_like(w))
            m.copy_(m * b1 + g * (1 - b1))
            v.copy_(v * b2 + g.square() * (1 - b2))
            update = (m / c1) / (torch.sqrt(v / c2) + self.eps)
            if self.weight_decay > 0 and name in self.decayed:
                update = update + w * self.weight_decay
            w.sub_(update * lr)

    def zero_grad(self):
        for w in self.params.values():
            w.grad = None

    def state_dict(self):
        return {"t": self.t, "m": dict(self.m), "v": dict(self.v)}
