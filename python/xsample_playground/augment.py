"""The app's augmentation (src/core/augment.ts): plans drawn from the seeded Rng, applied as tensor ops.

A plan per view holds, for every image, a crop box in normalised coordinates (y1, x1, y2, x2; x1 > x2 reads the
crop mirrored, which is the flip) and brightness, contrast and saturation factors. `apply_augment` resizes each
box back to the full size with tf.image.cropAndResize's bilinear semantics (TensorFlow's crop_and_resize: sample
points y1*(H-1) + i*(y2-y1)*(H-1)/(H-1), extrapolation 0 outside the image), then jitters and clips to [0, 1].
"""
import math

import torch


def random_crop_box(rng, a):
    h = w = 1.0
    for _ in range(10):
        area = rng.uniform(a["minCropScale"], 1)
        log_ratio = rng.uniform(math.log(3 / 4), math.log(4 / 3))
        ratio = math.exp(log_ratio)  # width / height
        cw = math.sqrt(area * ratio)
        ch = math.sqrt(area / ratio)
        if cw <= 1 and ch <= 1:
            w, h = cw, ch
            break
    y1 = rng.uniform(0, 1 - h)
    x1 = rng.uniform(0, 1 - w)
    flip = rng.next() < a["flipProb"]
    return (y1, x1 + w, y1 + h, x1) if flip else (y1, x1, y1 + h, x1 + w)


def plan_augment(n, rng, a):
    """{'boxes': [(y1, x1, y2, x2)] * n, 'brightness': [n], 'contrast': [n], 'saturation': [n]}"""
    plan = {"boxes": [], "brightness": [], "contrast": [], "saturation": []}
    for _ in range(n):
        plan["boxes"].append(random_crop_box(rng, a))
        plan["brightness"].append(rng.uniform(-a["brightness"], a["brightness"]))
        plan["contrast"].append(rng.uniform(1 - a["contrast"], 1 + a["contrast"]))
        plan["saturation"].append(rng.uniform(1 - a["saturation"], 1 + a["saturation"]))
    return plan


def slice_plan(plan, lo, hi):
    return {k: v[lo:hi] for k, v in plan.items()}


def identity_plan(n):
    return {"boxes": [(0.0, 0.0, 1.0, 1.0)] * n, "brightness": [0.0] * n, "contrast": [1.0] * n, "saturation": [1.0] * n}


def _sample_points(lo, hi, size, out):
    """Sample coordinates (B, out) in pixels and their validity, as crop_and_resize."""
    if out > 1:
        scale = (hi - lo) * (size - 1) / (out - 1)
        pts = lo[:, None] * (size - 1) + torch.arange(out, dtype=lo.dtype, device=lo.device)[None, :] * scale[:, None]
    else:
        pts = (0.5 * (lo + hi) * (size - 1))[:, None]
    valid = (pts >= 0) & (pts <= size - 1)
    return pts, valid


def crop_and_resize(images, boxes, out_h, out_w):
    """tf.image.cropAndResize(images, boxes, range(B), [out_h, out_w], 'bilinear', extrapolation 0). images (B,H,W,C)."""
    b, hgt, wid, c = images.shape
    dev = images.device
    bx = torch.tensor(boxes, dtype=torch.float32, device=dev).reshape(b, 4)
    ys, vy = _sample_points(bx[:, 0], bx[:, 2], hgt, out_h)
    xs, vx = _sample_points(bx[:, 1], bx[:, 3], wid, out_w)
    ty = torch.floor(ys).clamp(0, hgt - 1).long()
    by_ = torch.ceil(ys).clamp(0, hgt - 1).long()
    lx = torch.floor(xs).clamp(0, wid - 1).long()
    rx = torch.ceil(xs).clamp(0, wid - 1).long()
    y_lerp = (ys - torch.floor(ys))[:, :, None, None]
    x_lerp = (xs - torch.floor(xs))[:, None, :, None]
    bi = torch.arange(b, device=dev)[:, None, None]
    tl, tr = images[bi, ty[:, :, None], lx[:, None, :]], images[bi, ty[:, :, None], rx[:, None, :]]
    bl, br = images[bi, by_[:, :, None], lx[:, None, :]], images[bi, by_[:, :, None], rx[:, None, :]]
    top = tl + (tr - tl) * x_lerp
    bottom = bl + (br - bl) * x_lerp
    out = top + (bottom - top) * y_lerp
    valid = (vy[:, :, None] & vx[:, None, :])[..., None]
    return torch.where(valid, out, torch.zeros_like(out))


def apply_augment(images, plan):
    """images (B, S, S, 3) in [0, 1] -> one augmented view, same shape."""
    b, hgt, wid, _ = images.shape
    x = crop_and_resize(images, plan["boxes"], hgt, wid)
    per = lambda v: torch.tensor(v, dtype=torch.float32, device=images.device).reshape(b, 1, 1, 1)
    x = x + per(plan["brightness"])
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * per(plan["contrast"]) + mean
    grey = x.mean(dim=3, keepdim=True)
    x = (x - grey) * per(plan["saturation"]) + grey
    return x.clamp(0, 1)
