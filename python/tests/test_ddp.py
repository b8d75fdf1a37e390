"""DDP on CPU: `torchrun --standalone --nproc_per_node 2 -m xsample_playground.train` (gloo, per-rank batch B/2) gives
the same losses over 5 steps and the same final weights as one process with batch B, to 1e-4 (absolute), for every
objective. Run through `python3 -m torch.distributed.run`, which is torchrun; `--redirects 1 --tee 1` because torch
1.13's torchrun on Python >= 3.11 fails on its default `--redirects 0` (Std.from_str returns None for 0)."""
import json
import os
import subprocess
import sys
import zipfile

import torch

from xsample_playground import safetensors as st
from xsample_playground.data import make_demo_set, write_shard
from xsample_playground.train import main

PKG_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OBJECTIVES = "clip,xsample,siglip,simclr,xclip"
TOL = 1e-4


def tiny_config(path):
    cfg = {"lr": 1e-2, "warmupSteps": 1, "seed": 5, "graph": "encoder",
           "model": {"imageSize": 8, "patchSize": 4, "width": 16, "depth": 1, "heads": 2, "projDim": 16,
                     "textWidth": 16, "maxTokens": 6}}
    with open(path, "w") as f:
        json.dump({"objective": "xsample", "config": cfg}, f)


def read(zip_path):
    with zipfile.ZipFile(zip_path) as z:
        history = json.loads(z.read("history.json"))
        tensors, _ = st.decode(z.read("model.safetensors"))
    return history, tensors


def test_two_gloo_processes_match_one(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_shard(str(data / "demo-000000.tar"), make_demo_set(40, 8, seed=1))
    cfg = tmp_path / "config.json"
    tiny_config(cfg)
    args = ["--data", str(data), "--config", str(cfg), "--objectives", OBJECTIVES, "--steps", "5", "--seed", "5",
            "--batch", "8", "--threads", "1"]
    main(args + ["--out", str(tmp_path / "single")])
    env = dict(os.environ, PYTHONPATH=PKG_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "--redirects", "1", "--tee", "1",
                           "-m", "xsample_playground.train"] + args + ["--out", str(tmp_path / "ddp")],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "2 process(es)" in proc.stdout
    errors = {}
    for o in OBJECTIVES.split(","):
        h1, w1 = read(tmp_path / "single" / f"{o}.zip")
        h2, w2 = read(tmp_path / "ddp" / f"{o}.zip")
        assert len(h1) == len(h2) == 5
        loss_err = max(abs(a["loss"] - b["loss"]) for a, b in zip(h1, h2))
        assert set(w1) == set(w2)
        w_err = max((w1[k] - w2[k]).abs().max().item() for k in w1 if w1[k].numel())
        errors[o] = {"loss": loss_err, "weights": w_err}
        assert loss_err <= TOL, f"{o}: losses differ by {loss_err}"
        assert w_err <= TOL, f"{o}: weights differ by {w_err}"
        assert any(abs(a["loss"] - h1[0]["loss"]) > 1e-3 for a in h1[1:]), f"{o}: did not train"
    print("\nDDP (2 gloo processes) vs 1 process:", json.dumps(errors))
