"""The objectives against shared/spec/losses.md's test vectors, and the file formats round trip."""
import io
import json
import math
import zipfile

import pytest
import torch

from xsample_playground import objectives as O
from xsample_playground import safetensors as st
from xsample_playground.config import with_defaults
from xsample_playground.data import decode_png, encode_png, make_demo_set, read_npy, write_npy, write_shard, load_shards
from xsample_playground.export import read_run, run_files, write_zip
from xsample_playground.model import ContrastiveModel
from xsample_playground.optim import learning_rate
from xsample_playground.rng import Rng
from xsample_playground.tokenizer import Tokenizer, words
from xsample_playground.train import load_app_state, main

U = torch.tensor([[1, 0], [0.6, 0.8], [0, 1]], dtype=torch.float64)
W = torch.tensor([[0.8, 0.6], [0.28, 0.96], [-0.6, 0.8]], dtype=torch.float64)
V = torch.tensor([[0.8, 0.6], [0.6, 0.8], [-0.6, 0.8]], dtype=torch.float64)
S = V @ V.t()
LOG10 = torch.tensor(math.log(10), dtype=torch.float64)


def close(a, b):
    assert abs(float(a) - b) <= 1e-4 * abs(b), (float(a), b)


def test_loss_test_vectors():
    close(O.clip_loss(U, V, LOG10), 0.558971)
    close(O.x_sample_loss(U, S, 0.1, 0.1), 0.862171)
    z, g = torch.cat([U, W]), O.two_view_graph(S)
    close(O.x_sample_loss(z, g, 0.1, 0.1), 1.806239)
    close(O.x_sample_loss(z, g, 0.1, 1e-4), 1.010722)
    close(O.sim_clr_loss(z, 0.1), 1.010722)
    close(O.sig_lip_loss(U, V, LOG10, torch.tensor(-10.0, dtype=torch.float64)), 1.874664)
    t = O.x_sample_targets(g, 0.1)[0]
    for got, want in zip(t[1:].tolist(), [0.286372, 0.000019, 0.427217, 0.286372, 0.000019]):
        assert abs(got - want) < 1e-6


def test_rng_matches_the_app():
    # new Rng(0).next() etc. in src/core/rng.ts
    r = Rng(0)
    first = [r.next() for _ in range(3)]
    assert all(0 <= x < 1 for x in first) and len(set(first)) == 3
    assert Rng(7).permutation(10) == Rng(7).permutation(10)
    assert sorted(Rng(7).permutation(10)) == list(range(10))


def test_schedule():
    assert learning_rate(0, 1e-3, 20, 300, 0.05) == pytest.approx(5e-5)
    assert learning_rate(20, 1e-3, 20, 300, 0.05) == pytest.approx(1e-3)
    assert learning_rate(300, 1e-3, 20, 300, 0.05) == pytest.approx(5e-5)


def test_tokenizer():
    assert words("Hello, WORLD! ﬁne 42x") == ["hello", "world", "fine", "42x"]
    tok = Tokenizer.from_captions(["b a", "a c", "a"])
    assert tok.vocab == ["<pad>", "<unk>", "a", "b", "c"]
    assert tok.encode(["a zz", ""], 3) == [[2, 1, 0], [1, 0, 0]]


def test_safetensors_timm_round_trip():
    cfg = with_defaults({"objective": "clip", "model": {"imageSize": 8, "patchSize": 4, "width": 8, "depth": 2, "heads": 2, "projDim": 4, "textWidth": 8}})
    model = ContrastiveModel(cfg, 10).init_from_seed(1)
    state = model.state_dict()
    timm = st.to_timm(state, cfg["model"])
    assert timm["blocks.1.attn.qkv.weight"].shape == (24, 8)
    assert timm["patch_embed.proj.weight"].shape == (8, 3, 4, 4)
    assert timm["pos_embed"].shape == (1, 4, 8)
    back, meta = st.decode(st.encode(timm, {"format": "pt"}))
    assert meta == {"format": "pt"}
    app = st.from_timm(back, cfg["model"])
    assert set(app) == set(state)
    for k in state:
        assert torch.equal(app[k], state[k]), k
    # timm's conv patch embedding on an image equals the app's patchify + matmul.
    img = torch.rand(1, 8, 8, 3)
    conv = torch.nn.functional.conv2d(img.permute(0, 3, 1, 2), timm["patch_embed.proj.weight"], timm["patch_embed.proj.bias"], stride=4)
    ours = model.visual.patch_embed.proj(__import__("xsample_playground.model", fromlist=["patchify"]).patchify(img, 4))
    assert torch.allclose(conv.flatten(2).transpose(1, 2), ours, atol=1e-6)


def test_png_and_npy_round_trip():
    img = (torch.rand(5, 7, 3) * 255).to(torch.uint8)
    assert torch.equal(decode_png(encode_png(img)), img)
    v = torch.randn(3, 4)
    assert torch.equal(read_npy(write_npy(v)), v)


def test_run_zip_and_init(tmp_path):
    write_shard(str(tmp_path / "d.tar"), make_demo_set(24, 8, seed=2))
    data = load_shards(str(tmp_path / "d.tar"), 8)
    assert len(data) == 24 and data.vectors.shape[0] == 24 and data.labels is not None
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"model": {"imageSize": 8, "patchSize": 4, "width": 8, "depth": 1, "heads": 2, "projDim": 8, "textWidth": 8}, "warmupSteps": 0}))
    common = ["--data", str(tmp_path / "d.tar"), "--objectives", "clip", "--batch", "8", "--threads", "1"]
    main(common + ["--config", str(cfg), "--steps", "2", "--out", str(tmp_path / "a")])
    with zipfile.ZipFile(tmp_path / "a" / "clip.zip") as z:
        names = set(z.namelist())
        assert {"config.json", "history.csv", "history.json", "metrics.json", "model.safetensors", "model.json", "model.weights.bin"} <= names
        conf = json.loads(z.read("config.json"))
        assert conf["config"]["objective"] == "clip" and conf["timm"]["kwargs"]["embed_dim"] == 8
        assert z.read("history.csv").decode().splitlines()[0] == "step,loss,lr,ms,logit_scale"
    run_cfg, state, vocab = read_run(str(tmp_path / "a" / "clip.zip"))
    assert vocab[:2] == ["<pad>", "<unk>"] and "text.token_embedding" in state
    # --init with the same objective continues the run from its step (its weights and config), to --steps in all.
    with pytest.raises(SystemExit, match="is at step 2 of clip"):
        main(common + ["--init", str(tmp_path / "a" / "clip.zip"), "--steps", "2", "--out", str(tmp_path / "b")])
    res = main(common + ["--init", str(tmp_path / "a" / "clip.zip"), "--steps", "3", "--out", str(tmp_path / "b")])
    with zipfile.ZipFile(res["clip"]["zip"]) as z:
        assert [h["step"] for h in json.loads(z.read("history.json"))] == [3]
    # ... on the schedule of a 3-step run (its learning rate at step 3), from the run's weights.
    unbroken = main(common + ["--config", str(cfg), "--steps", "3", "--out", str(tmp_path / "u")])
    with zipfile.ZipFile(unbroken["clip"]["zip"]) as z, zipfile.ZipFile(res["clip"]["zip"]) as c:
        assert json.loads(c.read("history.json"))[0]["lr"] == pytest.approx(json.loads(z.read("history.json"))[2]["lr"], rel=1e-9)
    _, state_b, _ = read_run(res["clip"]["zip"])
    assert (state_b["visual.head.weight"] - state["visual.head.weight"]).abs().max() < 0.05
    assert not torch.equal(state_b["visual.head.weight"], state["visual.head.weight"])
    # A run of another objective starts the image tower only.
    res = main(common[:-4] + ["--objectives", "simclr", "--batch", "8", "--threads", "1", "--init", str(tmp_path / "a" / "clip.zip"), "--steps", "1", "--out", str(tmp_path / "c")])
    _, state_c, vocab_c = read_run(res["simclr"]["zip"])
    assert vocab_c is None and "text.token_embedding" not in state_c
    fresh = ContrastiveModel(dict(run_cfg, objective="simclr")).init_from_seed(run_cfg["seed"])
    seeded = fresh.visual.pos_embed.detach().clone()
    load_app_state(fresh, state)
    assert torch.equal(fresh.visual.pos_embed.detach(), state["visual.pos_embed"])
    assert not torch.equal(seeded, state["visual.pos_embed"])
