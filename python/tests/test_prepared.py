"""A dataset prepared by the app (dataset.json + train-*.tar / test-*.tar), as a folder and as the app's zip: the
trainer takes the app's split, the label names, every caption and the caption vectors as the graph's unit rows."""
import io
import json
import os
import tarfile
import zipfile

import pytest
import torch

from xsample_playground.data import build_graph, make_demo_set
from xsample_playground.fileformats import encode_png, write_npy
from xsample_playground.prepared import PreparedError, find_prepared, load_prepared


def shard(samples):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, body in samples:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def prepared_files(n=10, test=(2, 7)):
    demo = make_demo_set(n, 8, 1)
    vec = torch.nn.functional.normalize(demo.vectors, dim=1)
    def files(idx):
        out = []
        for i in idx:
            key = f"{i:06d}"
            out += [(f"{key}.png", encode_png(demo.pixels[i])), (f"{key}.txt", f"{demo.captions[i]}\nsecond {i}".encode()),
                    (f"{key}.cls", str(int(demo.labels[i])).encode()), (f"{key}.emb.npy", write_npy(vec[i])), (f"{key}.json", b"{}")]
        return out
    train = [i for i in range(n) if i not in test]
    info = {"format": "xsample-playground-dataset/1", "name": "demo", "imageSize": 8, "labels": ["square", "circle", "cross"],
            "split": {"by": "seeded 20%"}, "graph": {"kind": "app vectors", "emb": {"dim": vec.shape[1], "normalised": True}},
            "shards": {"train": ["train-000000.tar", "train-000001.tar"], "test": ["test-000000.tar"]}}
    return demo, vec, train, {
        "dataset.json": json.dumps(info).encode(),
        "train-000000.tar": shard(files(train[:4])), "train-000001.tar": shard(files(train[4:])), "test-000000.tar": shard(files(test)),
    }


@pytest.mark.parametrize("as_zip", [False, True])
def test_reads_the_apps_split_labels_captions_and_vectors(tmp_path, as_zip):
    demo, vec, train, files = prepared_files()
    if as_zip:
        path = str(tmp_path / "demo-webdataset.zip")
        with zipfile.ZipFile(path, "w") as z:
            for k, v in files.items():
                z.writestr(k, v)
    else:
        path = str(tmp_path)
        for k, v in files.items():
            (tmp_path / k).write_bytes(v)
    found = find_prepared(path)
    assert found == ("zip" if as_zip else "dir", path)
    data, tr, te, info = load_prepared(*found, 8)
    assert len(data) == 10 and tr == list(range(8)) and te == [8, 9]
    order = train + [2, 7]
    assert data.captions == [demo.captions[i] for i in order]
    assert data.all_captions[0] == [demo.captions[order[0]], f"second {order[0]}"]
    assert torch.equal(data.labels, demo.labels[order])
    assert torch.equal(data.pixels, demo.pixels[order])
    assert data.label_names == ["square", "circle", "cross"]
    graph = build_graph(data, "encoder", True)  # centre is the app's business: the rows are used as they are
    assert graph.kind == "app vectors"
    v = vec[order]
    assert torch.allclose(graph.batch([0, 3, 9]), (v[[0, 3, 9]] @ v[[0, 3, 9]].t()).fill_diagonal_(1), atol=1e-6)


def test_label_graph_takes_the_apps_class_similarity(tmp_path):
    demo, vec, train, files = prepared_files()
    info = json.loads(files["dataset.json"])
    sim = [[1, 0.5, 0.125], [0.5, 1, 0.25], [0.125, 0.25, 1]]
    info["graph"] = {"source": "labels", "kind": "class labels (app)", "classSimilarity": sim}
    files["dataset.json"] = json.dumps(info).encode()
    for k, v in files.items():
        (tmp_path / k).write_bytes(v)
    data, _, _, _ = load_prepared(*find_prepared(str(tmp_path)), 8)
    graph = build_graph(data, "labels", False)
    assert graph.kind == "class labels (app)"
    idx = [0, 1, 2, 3]
    lab = data.labels[idx]
    want = torch.tensor([[1.0 if i == j or lab[i] == lab[j] else sim[lab[i]][lab[j]] for j in range(4)] for i in range(4)])
    assert torch.equal(graph.batch(idx), want)
    # Without it (an older dataset.json), 0 between classes.
    del info["graph"]["classSimilarity"]
    (tmp_path / "dataset.json").write_bytes(json.dumps(info).encode())
    data, _, _, _ = load_prepared(*find_prepared(str(tmp_path)), 8)
    assert torch.equal(build_graph(data, "labels", False).batch(idx), (lab[:, None] == lab[None, :]).float())


def test_names_what_is_wrong(tmp_path):
    _, _, _, files = prepared_files()
    (tmp_path / "dataset.json").write_bytes(files["dataset.json"])
    with pytest.raises(PreparedError, match=r"names train-000000.tar, which is not there"):
        load_prepared("dir", str(tmp_path), 8)
    (tmp_path / "dataset.json").write_text('{"format": "other/1"}')
    with pytest.raises(PreparedError, match=r'format is "other/1"; expected xsample-playground-dataset/1'):
        load_prepared("dir", str(tmp_path), 8)
    zpath = tmp_path / "x.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(PreparedError, match="a zip without dataset.json"):
        find_prepared(str(zpath))
    assert find_prepared(str(tmp_path / "nothing")) is None


def test_trains_and_evaluates_on_the_prepared_split(tmp_path):
    from xsample_playground.train import main

    _, _, _, files = prepared_files(n=12, test=(1, 5, 9))
    data = tmp_path / "prepared"
    data.mkdir()
    for k, v in files.items():
        (data / k).write_bytes(v)
    out = tmp_path / "runs"
    args = ["--data", str(data), "--objectives", "xsample", "--steps", "2", "--batch", "4", "--eval-every", "1", "--out", str(out)]
    res = main(args + ["--lr", "0.001"])
    with zipfile.ZipFile(res["xsample"]["zip"]) as z:
        metrics = json.loads(z.read("metrics.json"))
        csv = z.read("metrics.csv").decode().splitlines()
        config = json.loads(z.read("config.json"))
    assert [m["step"] for m in metrics] == [1, 2]
    assert all(m["evaluated"] == 3 for m in metrics)  # the three held-out samples of test-000000.tar
    assert {"knnTop1", "linearProbeTop1", "knnTop1Projected", "linearProbeTop1Projected"} <= set(metrics[0])
    assert len(csv) == 3 and csv[1].startswith("1,")
    assert config["origin"] == "pytorch"
    assert config["dataset"]["heldOutBy"] == "seeded 20%" and config["dataset"]["heldOutSize"] == 3
