"""A dataset prepared by the app ("Export dataset", or `npm run prepare-data`): a folder, or the app's zip, holding
WebDataset shards (train-*.tar: the app's training split, test-*.tar: its held-out split) and dataset.json (format,
split, label names, graph, counts, image size, shard names). The trainer takes the app's split from it instead of
recomputing one, the caption vectors (KEY.emb.npy) as the graph's unit rows, as the app built them, and a label
graph's class-name similarity (graph.classSimilarity) between classes."""
import io
import json
import os
import tarfile
import zipfile

import torch

from .data import read_tar, samples_to_set

DATASET_FORMAT = "xsample-playground-dataset/1"


class PreparedError(ValueError):
    pass


def find_prepared(spec):
    """('dir', path) or ('zip', path) when `spec` is a prepared dataset (a folder or zip with dataset.json), else None."""
    spec = str(spec)
    if os.path.isdir(spec) and os.path.isfile(os.path.join(spec, "dataset.json")):
        return "dir", spec
    if os.path.isfile(spec) and zipfile.is_zipfile(spec):
        with zipfile.ZipFile(spec) as z:
            if "dataset.json" in z.namelist():
                return "zip", spec
            raise PreparedError(f"{spec}: a zip without dataset.json; the app's Export dataset writes one beside the shards")
    return None


def _check_info(info, where):
    if not isinstance(info, dict) or info.get("format") != DATASET_FORMAT:
        got = json.dumps(info.get("format")) if isinstance(info, dict) else "absent (not an object)"
        raise PreparedError(f"{where}: format is {got}; expected {DATASET_FORMAT}")
    shards = info.get("shards")
    if not isinstance(shards, dict) or not isinstance(shards.get("train"), list) or not isinstance(shards.get("test"), list):
        raise PreparedError(f"{where}: shards must list the train and test shard names")
    for name in shards["train"] + shards["test"]:
        if not isinstance(name, str) or "/" in name or "\\" in name or not name.endswith(".tar"):
            raise PreparedError(f"{where}: shard name {name!r} is not a .tar file name beside dataset.json")
    if not shards["train"]:
        raise PreparedError(f"{where}: no training shards")


def load_prepared(kind, path, image_size):
    """(ImageSet, train indices, test indices, dataset.json) of a prepared dataset; the set lists the training shards'
    samples first, then the test shards', each in the app's order."""
    z = zipfile.ZipFile(path) if kind == "zip" else None
    try:
        read = (lambda n: z.read(n)) if z else (lambda n: open(os.path.join(path, n), "rb").read())
        where = f"{path}{'!' if z else os.sep}dataset.json"
        try:
            info = json.loads(read("dataset.json"))
        except json.JSONDecodeError as e:
            raise PreparedError(f"{where} is not valid JSON ({e})") from e
        _check_info(info, where)
        samples, order, split_of = {}, [], {}
        for split in ("train", "test"):
            for name in info["shards"][split]:
                try:
                    body = read(name)
                except (KeyError, FileNotFoundError) as e:
                    raise PreparedError(f"{where} names {name}, which is not there") from e
                before = len(order)
                with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                    read_tar(tar, name, samples, order)
                for full in order[before:]:
                    split_of[full] = split
    finally:
        if z:
            z.close()
    data, kept = samples_to_set(samples, order, info.get("name") or os.path.basename(path.rstrip("/")), image_size)
    train = [i for i, full in enumerate(kept) if split_of[full] == "train"]
    test = [i for i, full in enumerate(kept) if split_of[full] == "test"]
    if not test:
        raise PreparedError(f"{where}: no held-out samples in the test shards")
    labels = info.get("labels")
    if isinstance(labels, list):
        data.label_names = [str(l) for l in labels]
    graph = info.get("graph") or {}
    emb = graph.get("emb")
    sim = graph.get("classSimilarity")
    if isinstance(sim, list) and data.label_names and len(sim) == len(data.label_names) and all(isinstance(r, list) and len(r) == len(sim) for r in sim):
        data.class_similarity = torch.tensor(sim, dtype=torch.float32)  # the app's label graph between classes
        data.label_graph_kind = graph.get("kind")
    if data.vectors is not None and isinstance(emb, dict) and emb.get("normalised"):
        data.vectors_ready = True  # the app's unit rows (centred first where it centred): the graph as the app's
        data.graph_kind = graph.get("kind")
    return data, train, test, info
