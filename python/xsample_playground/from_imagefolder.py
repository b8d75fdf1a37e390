"""An imagefolder zip (images/*.png + metadata.csv with file_name, text, label: the app's demo set, or a Hugging Face
imagefolder) as WebDataset tar shards for the trainer: KEY.png (the original bytes), KEY.txt, KEY.cls and, where
precomputed caption vectors are given (the app's public/models/use-lite/demo-captions.{json,bin}, written by
`npm install`), KEY.emb.npy, so that the X-Sample graph is the app's sentence-encoder graph.

    python3 -m xsample_playground.from_imagefolder --zip public/demo/fluent-emoji-flat.zip \
        --vectors public/models/use-lite/demo-captions.json --out shards/ [--per-shard 1000]
"""

import argparse
import csv
import io
import json
import os
import struct
import tarfile
import zipfile

from .data import write_npy


def read_vectors(index_path):
    """text -> list of floats, from the app's precomputed vectors (a JSON index beside a float32 .bin)."""
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)
    dim = int(index["dim"])
    texts = index["texts"]
    with open(os.path.splitext(index_path)[0] + ".bin", "rb") as f:
        raw = f.read()
    if len(raw) != 4 * dim * len(texts):
        raise ValueError(f"{index_path}: {len(texts)} texts of {dim} values need {4 * dim * len(texts)} bytes, the .bin has {len(raw)}")
    return {t: struct.unpack_from(f"<{dim}f", raw, 4 * dim * i) for i, t in enumerate(texts)}


def convert(zip_path, out_dir, vectors=None, per_shard=1000):
    """Writes out_dir/train-NNNNNN.tar shards; returns the number of samples written."""
    os.makedirs(out_dir, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("metadata.csv"), encoding="utf-8")))
        labels = sorted({r.get("label", "") for r in rows if r.get("label")})
        label_index = {name: i for i, name in enumerate(labels)}
        tar = None
        written = 0
        for i, row in enumerate(rows):
            if i % per_shard == 0:
                if tar:
                    tar.close()
                tar = tarfile.open(os.path.join(out_dir, f"train-{i // per_shard:06d}.tar"), "w")
            name = row["file_name"]
            ext = os.path.splitext(name)[1].lstrip(".").lower()
            text = row.get("text", "").strip()
            key = f"{i:06d}"
            files = {ext: z.read(name), "txt": text.encode("utf-8")}
            if row.get("label") in label_index:
                files["cls"] = str(label_index[row["label"]]).encode()
            if vectors is not None and text in vectors:
                import torch

                files["emb.npy"] = write_npy(torch.tensor(vectors[text], dtype=torch.float32))
            for e, body in files.items():
                info = tarfile.TarInfo(f"{key}.{e}")
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
            written += 1
        if tar:
            tar.close()
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zip", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vectors", help="the app's precomputed caption vectors (demo-captions.json beside its .bin)")
    ap.add_argument("--per-shard", type=int, default=1000)
    a = ap.parse_args(argv)
    n = convert(a.zip, a.out, read_vectors(a.vectors) if a.vectors else None, a.per_shard)
    print(f"{n} samples from {a.zip} -> {a.out}")


if __name__ == "__main__":
    main()
