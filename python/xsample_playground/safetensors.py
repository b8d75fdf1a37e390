"""A tiny safetensors writer and reader (F32 only, no dependency beyond torch), and the app's mapping between its
parameter names and timm's ViT names and layouts (src/core/checkpoint.ts toTimmTensors) in both directions."""
import json
import struct

import torch


def _f32_bytes(t):
    flat = t.reshape(-1)
    try:
        return flat.numpy().astype("<f4").tobytes()
    except Exception:  # torch built without numpy
        return struct.pack(f"<{flat.numel()}f", *flat.tolist())


def encode(tensors, metadata=None):
    """bytes: 8-byte little-endian header length, the JSON header padded with spaces to 8 bytes, the data (sorted names)."""
    names = sorted(tensors)
    header = {"__metadata__": {k: str(v) for k, v in (metadata or {}).items()}}
    offset = 0
    blobs = []
    for n in names:
        t = tensors[n].detach().to(torch.float32).contiguous().cpu()
        data = _f32_bytes(t)
        header[n] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    return struct.pack("<Q", len(js)) + js + b"".join(blobs)


def decode(data):
    """(tensors, metadata) from safetensors bytes (F32, F16, BF16, F64, I32, I64)."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    dtypes = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
              "I32": torch.int32, "I64": torch.int64}
    base = 8 + n
    out = {}
    for name, h in header.items():
        lo, hi = h["data_offsets"]
        buf = bytearray(data[base + lo:base + hi])
        dt = dtypes[h["dtype"]]
        t = torch.frombuffer(buf, dtype=dt) if len(buf) else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(h["shape"]).clone()
    return out, meta


def save_file(tensors, path, metadata=None):
    with open(path, "wb") as f:
        f.write(encode(tensors, metadata))


def load_file(path):
    with open(path, "rb") as f:
        return decode(f.read())


def to_timm(state, m):
    """The app's snapshot (name -> tensor, [in, out] matrices) -> timm's ViT names and layouts for the image tower;
    every other parameter keeps the app's name and shape."""
    d, p = m["width"], m["patchSize"]
    out, used = {}, set()

    def take(n):
        used.add(n)
        return state[n].detach().cpu().float()

    pe = take("visual.patch_embed.proj.weight")  # (P*P*3, D), row (py*P + px)*3 + c
    out["patch_embed.proj.weight"] = pe.reshape(p, p, 3, d).permute(3, 2, 0, 1).contiguous()  # (D, 3, P, P)
    out["patch_embed.proj.bias"] = take("visual.patch_embed.proj.bias")
    out["pos_embed"] = take("visual.pos_embed")[None]

    def linear_t(src, dst):
        out[f"{dst}.weight"] = take(f"{src}.weight").t().contiguous()
        if f"{src}.bias" in state:
            out[f"{dst}.bias"] = take(f"{src}.bias")

    for i in range(m["depth"]):
        v, t = f"visual.blocks.{i}", f"blocks.{i}"
        for n in ("norm1", "norm2"):
            out[f"{t}.{n}.weight"] = take(f"{v}.{n}.weight")
            out[f"{t}.{n}.bias"] = take(f"{v}.{n}.bias")
        out[f"{t}.attn.qkv.weight"] = torch.cat([take(f"{v}.attn.{n}.weight").t() for n in "qkv"], 0).contiguous()
        out[f"{t}.attn.qkv.bias"] = torch.cat([take(f"{v}.attn.{n}.bias") for n in "qkv"], 0)
        linear_t(f"{v}.attn.proj", f"{t}.attn.proj")
        linear_t(f"{v}.mlp.fc1", f"{t}.mlp.fc1")
        linear_t(f"{v}.mlp.fc2", f"{t}.mlp.fc2")
    out["norm.weight"] = take("visual.norm.weight")
    out["norm.bias"] = take("visual.norm.bias")
    linear_t("visual.head", "head")
    out["head.bias"] = torch.zeros(m["projDim"])
    for n, s in state.items():
        if n not in used:
            out[n] = s.detach().cpu().float()
    return out


def from_timm(tensors, m):
    """The inverse of to_timm (timm's head.bias, zero in the app's exports, is dropped)."""
    d, p = m["width"], m["patchSize"]
    out, used = {}, set()

    def take(n):
        used.add(n)
        return tensors[n]

    out["visual.patch_embed.proj.weight"] = take("patch_embed.proj.weight").permute(2, 3, 1, 0).reshape(p * p * 3, d).contiguous()
    out["visual.patch_embed.proj.bias"] = take("patch_embed.proj.bias")
    out["visual.pos_embed"] = take("pos_embed").reshape(-1, d)

    def linear_t(src, dst):
        out[f"{dst}.weight"] = take(f"{src}.weight").t().contiguous()
        if f"{src}.bias" in tensors:
            out[f"{dst}.bias"] = take(f"{src}.bias")

    for i in range(m["depth"]):
        t, v = f"blocks.{i}", f"visual.blocks.{i}"
        for n in ("norm1", "norm2"):
            out[f"{v}.{n}.weight"] = take(f"{t}.{n}.weight")
            out[f"{v}.{n}.bias"] = take(f"{t}.{n}.bias")
        qkv_w, qkv_b = take(f"{t}.attn.qkv.weight"), take(f"{t}.attn.qkv.bias")
        for j, n in enumerate("qkv"):
            out[f"{v}.attn.{n}.weight"] = qkv_w[j * d:(j + 1) * d].t().contiguous()
            out[f"{v}.attn.{n}.bias"] = qkv_b[j * d:(j + 1) * d].clone()
        linear_t(f"{t}.attn.proj", f"{v}.attn.proj")
        linear_t(f"{t}.mlp.fc1", f"{v}.mlp.fc1")
        linear_t(f"{t}.mlp.fc2", f"{v}.mlp.fc2")
    out["visual.norm.weight"] = take("norm.weight")
    out["visual.norm.bias"] = take("norm.bias")
    out["visual.head.weight"] = take("head.weight").t().contiguous()
    used.add("head.bias")
    for n, s in tensors.items():
        if n not in used:
            out[n] = s
    return out
