"""The app's seeded PRNG (src/core/rng.ts, mulberry32) bit for bit, so that the same seed gives the same initial
weights, batch order and augmentation as in the browser."""
import math

_M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & _M32


class Rng:
    def __init__(self, seed):
        self.state = (_imul(int(seed) & _M32, 0x9E3779B1) ^ 0x85EBCA6B) & _M32

    def next(self):
        """Uniform in [0, 1)."""
        self.state = t = (self.state + 0x6D2B79F5) & _M32
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        return ((t ^ (t >> 14)) & _M32) / 4294967296

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def int(self, n):
        return math.floor(self.next() * n)

    def normal(self):
        u = 0.0
        while u == 0:
            u = self.next()
        v = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)

    def trunc_normal(self, std):
        while True:
            x = self.normal() * std
            if abs(x) <= 2:
                return x

    def fork(self):
        return Rng(math.floor(self.next() * 2147483647))

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def visual_rng(seed):
    return Rng(seed * 4 + 1)


def text_rng(seed):
    return Rng(seed * 4 + 2)


def aug_rng(seed):
    """The augmentation plans' stream (the app's augmentRng); caption choices have their own, seed * 4."""
    return Rng(seed * 4 + 3)


def split_held_out(n, held_out_fraction, seed):
    """splitHeldOut(): (train, held_out) sorted index lists."""
    perm = Rng(seed ^ 0x5EED).permutation(n)
    k = 0 if n < 2 else min(n - 1, max(1, _js_round(n * held_out_fraction)))
    return sorted(perm[k:]), sorted(perm[:k])


def _js_round(x):
    return math.floor(x + 0.5)


class BatchSampler:
    """Seeded batches without replacement; a fresh permutation each epoch; the last partial batch is dropped."""

    def __init__(self, pool, batch_size, seed):
        if not pool:
            raise ValueError("no training images to sample batches from")
        self.pool = list(pool)
        self.batch_size = batch_size
        self.rng = Rng(seed ^ 0xBA7C4)
        self.order = []
        self.pos = 0
        self.epoch = -1

    @property
    def size(self):
        return min(self.batch_size, len(self.pool))

    def next(self):
        if self.pos + self.size > len(self.order):
            p = self.rng.permutation(len(self.pool))
            self.order = [self.pool[i] for i in p]
            self.pos = 0
            self.epoch += 1
        batch = self.order[self.pos:self.pos + self.size]
        self.pos += self.size
        return batch
