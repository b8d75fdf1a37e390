"""Data for the trainer: WebDataset-style tar shards, and a tiny generated set.

A shard is a tar of samples grouped by key (the file name up to its first dot): KEY.png or KEY.jpg (the image),
KEY.txt (the caption), optionally KEY.cls (a class index, as text) and KEY.emb.npy (a caption vector for the
X-Sample graph). `--data` is a .tar file, a directory of them, or a comma-separated list. PNG is decoded here
(pure Python + zlib); JPEG needs Pillow. Images are expected at the config's imageSize (others are centre-cropped
and resized bilinearly, which is not the browser's resize).

The caption graph follows config.graph as far as the data allow: 'encoder' and 'file' use the KEY.emb.npy
vectors (mean-centred first when centreGraph, then L2-normalised, as the app), 'labels' the KEY.cls classes
(same class = 1, else 0), 'tfidf' the app's TF-IDF graph of caption words; a missing source falls back to the
next available one (vectors, labels, TF-IDF) with a printed note.
"""
import io
import json
import math
import os
import tarfile

import torch

from .tokenizer import words
from .fileformats import decode_image, decode_png, encode_png, read_npy, write_npy  # noqa: F401 (re-exported)


# --------------------------------------------------------------------------- shards

class ImageSet:
    """Decoded samples: pixels (N, S, S, 3) uint8, captions (the first of each sample's, for training), every caption
    of each sample, optional labels (-1 unknown) and caption vectors."""

    def __init__(self, name, pixels, ids, captions, labels=None, vectors=None, all_captions=None):
        self.name, self.pixels, self.ids, self.captions = name, pixels, ids, captions
        self.labels, self.vectors = labels, vectors
        self.all_captions = all_captions or [[c] for c in captions]
        self.vectors_ready = False  # True: vectors are already the graph's unit rows (a prepared dataset's)
        self.label_names = None

    def __len__(self):
        return len(self.ids)

    @property
    def image_size(self):
        return self.pixels.shape[1]

    def images(self, indices):
        """(B, S, S, 3) float32 in [0, 1], as the app's imageBatch."""
        return self.pixels[torch.as_tensor(list(indices), dtype=torch.long)].to(torch.float32) / 255


IMAGE_EXTS = ("png", "jpg", "jpeg", "webp", "gif", "bmp", "avif")


def _resize(img, size):
    h, w, _ = img.shape
    if h == size and w == size:
        return img
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    crop = img[y0:y0 + s, x0:x0 + s].permute(2, 0, 1)[None].float()
    out = torch.nn.functional.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False, antialias=s > size)
    return out[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8)


def shard_paths(spec):
    paths = []
    for part in str(spec).split(","):
        if os.path.isdir(part):
            paths += sorted(os.path.join(part, f) for f in os.listdir(part) if f.endswith(".tar"))
        elif part:
            paths.append(part)
    if not paths:
        raise FileNotFoundError(f"no .tar shards in {spec}")
    return paths


def read_tar(tar, path, samples, order):
    """Adds the samples of an open tar to `samples` (key -> ext -> bytes), keeping the order of first appearance."""
    for member in tar:
        if not member.isfile():
            continue
        base = os.path.basename(member.name)
        if "." not in base:
            continue
        key = os.path.join(os.path.dirname(member.name), base.split(".", 1)[0])
        ext = base.split(".", 1)[1].lower()
        full = f"{path}:{key}"
        if full not in samples:
            samples[full] = {"__key__": key}
            order.append(full)
        samples[full][ext] = tar.extractfile(member).read()


def samples_to_set(samples, order, name, image_size):
    """The decoded ImageSet of the samples that have an image; (set, the keys of `order` it kept)."""
    pixels, ids, captions, all_captions, labels, vectors, kept = [], [], [], [], [], [], []
    for full in order:
        s = samples[full]
        img = next((s[e] for e in IMAGE_EXTS if e in s), None)
        if img is None:
            continue
        pixels.append(_resize(decode_image(img, full), image_size))
        ids.append(s["__key__"])
        lines = [l.strip() for l in s["txt"].decode("utf-8").split("\n")] if "txt" in s else [""]
        lines = [l for l in lines if l] or [""]
        captions.append(lines[0])
        all_captions.append(lines)
        labels.append(int(s["cls"].decode().strip()) if "cls" in s else -1)
        vectors.append(read_npy(s["emb.npy"]).reshape(-1) if "emb.npy" in s else None)
        kept.append(full)
    if not ids:
        raise ValueError(f"no images in {name}")
    has_vectors = all(v is not None for v in vectors)
    out = ImageSet(
        name=name,
        pixels=torch.stack(pixels),
        ids=ids,
        captions=captions,
        labels=torch.tensor(labels, dtype=torch.long) if any(l >= 0 for l in labels) else None,
        vectors=torch.stack(vectors) if has_vectors else None,
        all_captions=all_captions,
    )
    return out, kept


def load_shards(spec, image_size):
    """Every sample of every shard, in shard order then tar order."""
    samples, order = {}, []
    for path in shard_paths(spec):
        with tarfile.open(path) as tar:
            read_tar(tar, path, samples, order)
    return samples_to_set(samples, order, os.path.basename(str(spec).rstrip("/")), image_size)[0]


def write_shard(path, set_):
    """The set as one WebDataset tar (KEY.png, KEY.txt, KEY.cls, KEY.emb.npy)."""
    with tarfile.open(path, "w") as tar:
        for i, key in enumerate(set_.ids):
            files = {"png": encode_png(set_.pixels[i]), "txt": set_.captions[i].encode("utf-8")}
            if set_.labels is not None:
                files["cls"] = str(int(set_.labels[i])).encode()
            if set_.vectors is not None:
                files["emb.npy"] = write_npy(set_.vectors[i])
            for ext, body in files.items():
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(body)
                info.mtime = 0
                tar.addfile(info, io.BytesIO(body))


# --------------------------------------------------------------------------- a tiny generated set

COLOURS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (40, 80, 220), "yellow": (230, 210, 40)}
SHAPES = ("square", "circle", "cross")


def make_demo_set(n=64, size=32, seed=0):
    """Coloured shapes on a grey background with captions ('a small red circle'), class = shape, and caption vectors
    (one-hot colour + shape + size words, so that the graph has structure)."""
    from .rng import Rng

    rng = Rng(seed + 12345)
    pixels = torch.zeros(n, size, size, 3, dtype=torch.uint8)
    ids, captions, labels, vectors = [], [], [], []
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    names = list(COLOURS)
    for i in range(n):
        colour = names[rng.int(len(names))]
        shape = rng.int(len(SHAPES))
        big = rng.next() < 0.5
        r = size * (0.3 if big else 0.18)
        cy, cx = size * rng.uniform(0.35, 0.65), size * rng.uniform(0.35, 0.65)
        if SHAPES[shape] == "square":
            mask = ((yy - cy).abs() <= r) & ((xx - cx).abs() <= r)
        elif SHAPES[shape] == "circle":
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        else:
            mask = (((yy - cy).abs() <= r / 3) & ((xx - cx).abs() <= r)) | (((xx - cx).abs() <= r / 3) & ((yy - cy).abs() <= r))
        grey = 90 + rng.int(60)
        img = torch.full((size, size, 3), grey, dtype=torch.uint8)
        img[mask] = torch.tensor(COLOURS[colour], dtype=torch.uint8)
        pixels[i] = img
        ids.append(f"demo{i:05d}")
        captions.append(f"a {'big' if big else 'small'} {colour} {SHAPES[shape]}")
        labels.append(shape)
        v = torch.zeros(len(names) + len(SHAPES) + 2)
        v[names.index(colour)] = 1
        v[len(names) + shape] = 1
        v[len(names) + len(SHAPES) + int(big)] = 0.5
        vectors.append(v)
    return ImageSet("demo", pixels, ids, captions, torch.tensor(labels), torch.stack(vectors))


# --------------------------------------------------------------------------- caption graphs

def normalise_rows(vectors, centre):
    v = vectors.to(torch.float64)
    if centre:
        v = v - v.mean(0, keepdim=True)
    norm = v.norm(dim=1, keepdim=True)
    return torch.where(norm > 0, v / norm.clamp_min(1e-300), torch.zeros_like(v)).to(torch.float32)


class CaptionGraph:
    """batch(indices) -> (B, B) float32 graph G_ab, as the app's CaptionGraph sources."""

    def __init__(self, kind, batch_fn):
        self.kind = kind
        self._batch = batch_fn

    def batch(self, indices):
        return self._batch(list(indices))


def embedding_graph(kind, vectors):
    def batch(idx):
        e = vectors[torch.as_tensor(idx, dtype=torch.long)]
        g = e @ e.t()
        g.fill_diagonal_(1)
        return g

    return CaptionGraph(kind, batch)


def label_graph(labels, class_sim=None, kind=None):
    """1 within a class; between classes class_sim[a, b] (the app's class-name similarity, from a prepared
    dataset's dataset.json) where given, else 0."""
    def batch(idx):
        lab = labels[torch.as_tensor(idx, dtype=torch.long)]
        known = lab >= 0
        g = ((lab[:, None] == lab[None, :]) & known[:, None]).to(torch.float32)
        if class_sim is not None:
            both = known[:, None] & known[None, :] & (lab[:, None] != lab[None, :])
            between = class_sim[lab.clamp(min=0)[:, None], lab.clamp(min=0)[None, :]]
            g = torch.where(both, between, g)
        g.fill_diagonal_(1)
        return g

    return CaptionGraph(kind or ("class labels + class-name similarity" if class_sim is not None else "class labels"), batch)


def tfidf_graph(captions):
    docs = [words(c) for c in captions]
    df = {}
    for d in docs:
        for w in set(d):
            df[w] = df.get(w, 0) + 1
    n = len(docs)
    vecs = []
    for d in docs:
        tf = {}
        for w in d:
            tf[w] = tf.get(w, 0) + 1
        v = {w: c * (math.log((1 + n) / (1 + df.get(w, 0))) + 1) for w, c in tf.items()}
        norm = sum(x * x for x in v.values())
        inv = 1 / math.sqrt(norm) if norm > 0 else 0
        vecs.append({w: x * inv for w, x in v.items()})

    def batch(idx):
        b = len(idx)
        g = torch.zeros(b, b)
        for i in range(b):
            for j in range(i, b):
                if i == j or captions[idx[i]] == captions[idx[j]]:
                    s = 1.0
                else:
                    a, c = vecs[idx[i]], vecs[idx[j]]
                    if len(a) > len(c):
                        a, c = c, a
                    s = sum(x * c.get(w, 0) for w, x in a.items())
                g[i, j] = g[j, i] = s
        return g

    return CaptionGraph("TF-IDF of caption words", batch)


def build_graph(set_, source, centre):
    """The graph config.graph asks for, or the first available of vectors, labels and TF-IDF."""
    order = {"encoder": ["vectors", "labels", "tfidf"], "file": ["vectors", "labels", "tfidf"],
             "labels": ["labels", "vectors", "tfidf"], "tfidf": ["tfidf"]}.get(source, ["vectors", "labels", "tfidf"])
    for kind in order:
        if kind == "vectors" and set_.vectors is not None:
            rows = set_.vectors if set_.vectors_ready else normalise_rows(set_.vectors, centre)
            g = embedding_graph(getattr(set_, "graph_kind", None) or "caption vectors (KEY.emb.npy)", rows)
        elif kind == "labels" and set_.labels is not None:
            g = label_graph(set_.labels, getattr(set_, "class_similarity", None), getattr(set_, "label_graph_kind", None))
        elif kind == "tfidf":
            g = tfidf_graph([" ".join(c) for c in set_.all_captions])  # each sample's captions joined, as the app
        else:
            continue
        if kind != order[0]:
            print(f"graph: {source} asked for, the data have no {order[0]}; using {g.kind}")
        return g
    raise ValueError("no caption graph")


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description="Write the tiny generated shapes set as a WebDataset shard.")
    ap.add_argument("--out", required=True, help="directory for demo-000000.tar")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "demo-000000.tar")
    write_shard(path, make_demo_set(a.n, a.size, a.seed))
    print(json.dumps({"shard": path, "samples": a.n}))


if __name__ == "__main__":
    main()
