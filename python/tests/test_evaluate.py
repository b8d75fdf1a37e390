"""The trainer's evaluation (xsample_playground/evaluate.py) against small cases worked by hand, and against the app's
own numbers (src/core/metrics.ts, probe.ts) on a shared fixture written by test/unit/evalParity.test.ts into
$PARITY_FIXTURE_DIR/eval.json (written here with npx when missing, skipped without npx)."""
import json
import math
import os
import shutil
import subprocess
import tempfile

import pytest
import torch

from xsample_playground.evaluate import graph_spearman, knn_accuracy, linear_probe, retrieval, spearman, unit_rows
from xsample_playground.export import metrics_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_DIR = os.environ.get("PARITY_FIXTURE_DIR") or os.path.join(tempfile.gettempdir(), "xsp-parity")


def test_knn_votes_by_exp_similarity_over_the_k_nearest():
    # Test row along x. Nearest two (k = 2): class 1 at cos 1.0 and class 0 at cos 0.96; the class-0 row at 0.0 is
    # outside k. Votes exp(1/0.07) vs exp(0.96/0.07): class 1 wins.
    train = unit_rows(torch.tensor([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0], [0.5, 0.5]]))
    labels = torch.tensor([1, 0, 0, -1])
    test = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert knn_accuracy(train, labels, test, torch.tensor([1, 0]), k=2) == 1.0
    assert knn_accuracy(train, labels, test, torch.tensor([0, 1]), k=2) == 0.0
    # k = 3 with T huge: plain votes, two class-0 rows beat one class-1 row for the first test row.
    assert knn_accuracy(train, labels, test[:1], torch.tensor([0]), k=3, temperature=1e9) == 1.0
    assert math.isnan(knn_accuracy(train, labels, test, torch.tensor([-1, -1])))


def test_retrieval_ranks_and_recall():
    # sims = images @ texts^T; a rank counts the others strictly above the pair's own similarity, plus 1.
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]])
    texts = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    r = retrieval(images, texts)
    # image 0: own 1.0; text 2 ties at 1.0 (not above): rank 1. image 1: rank 1. image 2: own 0.8 = text 0's 0.8: rank 1.
    assert r["imageToText"]["r1"] == 1.0
    # text 0: own 1.0, image 2 has 0.8: rank 1; text 1: rank 1; text 2: own 0.8, image 0 has 1.0 above: rank 2.
    assert r["textToImage"]["r1"] == pytest.approx(2 / 3)
    assert r["textToImage"]["meanRank"] == pytest.approx(4 / 3)
    assert r["textToImage"]["medianRank"] == 1
    # open_clip's median of an even count: floor(((1 + 2) / 2) - 1) + 1 = 1.
    r4 = retrieval(torch.eye(4), torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0.9, 0.1, 0], [0, 0, 0, 1.0]]))
    assert r4["imageToText"]["medianRank"] == 1


def test_spearman_with_ties_and_graph_rho():
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # Average ranks for ties: a = (1, 2, 2, 3) ranks (1, 2.5, 2.5, 4).
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)
    e = unit_rows(torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    g = e @ e.t()
    assert graph_spearman(e, g) == pytest.approx(1.0)


def test_linear_probe_separates_separable_classes():
    x = torch.tensor([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.2], [0.5, 0.5]])
    y = torch.tensor([0, 0, 1, 1, -1])
    assert linear_probe(x, y, torch.tensor([[0.05, 1.0], [1.0, 0.1]]), torch.tensor([0, 1]), 2) == 1.0
    assert math.isnan(linear_probe(x, y, x, y, 1))


def test_metrics_csv_in_the_apps_layout():
    csv = metrics_csv([{"step": 5, "heldOutLoss": 1.5, "graphSpearman": math.nan, "knnTop1": 0.25, "evaluated": 4}])
    assert csv.splitlines()[1] == "5,1.5,0.25,,,,NaN,,,,,,"


def fixture():
    path = os.path.join(FIXTURE_DIR, "eval.json")
    if not os.path.exists(path):
        npx = shutil.which("npx")
        if not npx or not os.path.isdir(os.path.join(ROOT, "node_modules")):
            pytest.skip(f"no fixture at {path} and no npx to write it (run the unit tests first)")
        env = dict(os.environ, PARITY_FIXTURE_DIR=FIXTURE_DIR)
        subprocess.run([npx, "vitest", "run", "--config", "vitest.unit.config.ts", "test/unit/evalParity.test.ts"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_same_numbers_as_the_app_on_the_shared_fixture():
    f = fixture()
    d = f["dim"]
    rows = lambda k: torch.tensor(f[k], dtype=torch.float32).reshape(-1, d)
    train, test, texts = rows("train"), rows("test"), rows("texts")
    tl, el = torch.tensor(f["trainLabels"]), torch.tensor(f["testLabels"])
    n = test.shape[0]
    graph = torch.tensor(f["graph"], dtype=torch.float32).reshape(n, n)
    exp = f["expected"]
    images = unit_rows(test)
    assert knn_accuracy(unit_rows(train), tl, images, el) == pytest.approx(exp["knnTop1"], abs=1e-12)
    assert linear_probe(train, tl, test, el, f["classes"]) == pytest.approx(exp["linearProbeTop1"], abs=1e-12)
    got = retrieval(images, texts)
    for side in ("imageToText", "textToImage"):
        for k, v in exp["retrieval"][side].items():
            assert got[side][k] == pytest.approx(v, abs=1e-9), (side, k)
    assert graph_spearman(images, graph) == pytest.approx(exp["graphSpearman"], abs=1e-5)
