"""PyTorch vs TensorFlow.js: the same initial weights, batch and augmentation give the same loss and the same weights
after each of 3 AdamW steps, for every objective; and from the same settings Python picks the same augmentation
recipe, draws the same augmentation plans and starts CLIP's logit scale at the same value. Besides one case per
objective at the defaults (CLIP, SigLIP and xclip on open_clip's recipe, X-Sample and SimCLR on the session's), CLIP
with "same augmentation for every run" and CLIP with its logit scale starting at 1/tau.

The fixture is written by the TypeScript unit test test/unit/pythonParity.test.ts (tfjs's WASM backend) into
$PARITY_FIXTURE_DIR (default <tmpdir>/xsp-parity); `npm test` runs that suite first. Where it is missing, this test
writes it with `npx vitest run test/unit/pythonParity.test.ts` (or skips if npx is not there).

Tolerances: loss |torch - tfjs| <= 1e-4 * max(1, |loss|); every weight |torch - tfjs| <= 1e-4 (absolute, after
steps with lr 1e-2, where one step moves a weight by about 1e-2).
"""
import json
import os
import shutil
import subprocess
import tempfile

import pytest
import torch

from xsample_playground.augment import apply_augment, plan_augment
from xsample_playground.config import run_augment, run_config, with_defaults
from xsample_playground.model import ContrastiveModel
from xsample_playground.optim import AdamW, learning_rate
from xsample_playground.rng import aug_rng
from xsample_playground.tokenizer import Tokenizer
from xsample_playground.train import batch_loss

CASES = ["clip", "xsample", "siglip", "simclr", "xclip", "clip-same-augment", "clip-t-from-tau"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_DIR = os.environ.get("PARITY_FIXTURE_DIR") or os.path.join(tempfile.gettempdir(), "xsp-parity")
LOSS_TOL = 1e-4
WEIGHT_TOL = 1e-4

ERRORS = {}


def fixture(name):
    path = os.path.join(FIXTURE_DIR, f"{name}.json")
    if not os.path.exists(path):
        npx = shutil.which("npx")
        if not npx or not os.path.isdir(os.path.join(ROOT, "node_modules")):
            pytest.skip(f"no fixture at {path} and no npx to write it (run the unit tests first)")
        env = dict(os.environ, PARITY_FIXTURE_DIR=FIXTURE_DIR)
        subprocess.run([npx, "vitest", "run", "--config", "vitest.unit.config.ts", "test/unit/pythonParity.test.ts"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tensor(snap):
    return torch.tensor(snap["data"], dtype=torch.float32).reshape(snap["shape"])


def max_diff(model, snapshot):
    worst, where = 0.0, None
    state = model.state_dict()
    assert set(state) == set(snapshot), f"names differ: {set(state) ^ set(snapshot)}"
    for name, s in snapshot.items():
        d = (state[name] - tensor(s)).abs().max().item() if state[name].numel() else 0.0
        if d > worst:
            worst, where = d, name
    return worst, where


@pytest.mark.parametrize("name", CASES)
def test_same_recipe_and_plans_as_tfjs(name):
    fx = fixture(name)
    cfg = fx["config"]
    settings = with_defaults({k: v for k, v in cfg.items() if k not in ("objective", "augmentRecipe")})
    own = run_config(settings, fx["objective"])
    assert own["augmentRecipe"] == cfg["augmentRecipe"], f"{name}: Python picks recipe {own['augmentRecipe']}"
    n = len(fx["indices"])
    rng = aug_rng(own["seed"])
    plans = [plan_augment(n, rng, run_augment(own)) for _ in range(2)][: len(fx["plans"])]
    for view, (mine, ref) in enumerate(zip(plans, fx["plans"])):
        for key in ("brightness", "contrast", "saturation"):
            assert max(abs(a - b) for a, b in zip(mine[key], ref[key])) <= 1e-6, f"{name} view {view}: {key} differs"
        worst = max(abs(a - b) for box, rbox in zip(mine["boxes"], ref["boxes"]) for a, b in zip(box, rbox))
        assert worst <= 1e-12, f"{name} view {view}: crop boxes differ by {worst}"


@pytest.mark.parametrize("name", CASES)
def test_same_loss_and_weights_as_tfjs(name):
    fx = fixture(name)
    objective = fx["objective"]
    cfg = fx["config"]
    vocab = fx["vocab"]
    model = ContrastiveModel(cfg, len(vocab) if vocab else 0)

    # The seeded initial weights are the app's (same Rng, same order).
    model.init_from_seed(cfg["seed"])
    init_err, init_where = max_diff(model, fx["initial"])
    assert init_err <= 1e-7, f"initial weights from the seed differ by {init_err} at {init_where}"
    with torch.no_grad():
        for name, p in model.state_dict().items():
            p.copy_(tensor(fx["initial"][name]))
    assert model.decayed() == set(fx["decayed"])

    ids = None
    if vocab:
        tok = Tokenizer(vocab)
        assert Tokenizer.from_captions(fx["captions"] + [c for c in fx["captions"]]).vocab[:2] == ["<pad>", "<unk>"]
        ids_flat = [i for row in tok.encode(fx["captions"], cfg["model"]["maxTokens"]) for i in row]
        assert ids_flat == fx["tokenIds"], "the tokenizer gives other ids"
        ids = torch.tensor(fx["tokenIds"]).reshape(len(fx["captions"]), cfg["model"]["maxTokens"])
    images = tensor(fx["images"])
    plans = [{"boxes": [tuple(b) for b in p["boxes"]], "brightness": p["brightness"], "contrast": p["contrast"],
              "saturation": p["saturation"]} for p in fx["plans"]]
    aug_err = max((apply_augment(images, p) - torch.tensor(a).reshape(images.shape)).abs().max().item()
                  for p, a in zip(plans, fx["augmented"]))
    assert aug_err <= 1e-5, f"augmented views differ by {aug_err}"
    b = images.shape[0]
    graph = torch.tensor(fx["graph"]).reshape(b, b)

    opt = AdamW(model.named_parameters(), model.decayed(), cfg["beta1"], cfg["beta2"], cfg["eps"], cfg["weightDecay"])
    errs = {"augment": aug_err, "init": init_err}
    for step, ref in enumerate(fx["steps"]):
        lr = learning_rate(step, cfg["lr"], cfg["warmupSteps"], cfg["steps"], cfg["minLrRatio"])
        assert abs(lr - ref["lr"]) <= 1e-12 * max(1, ref["lr"])
        loss = batch_loss(model, cfg, images, plans, ids, graph)
        loss.backward()
        opt.step(lr)
        opt.zero_grad()
        model.after_step()
        loss_err = abs(loss.item() - ref["loss"])
        w_err, w_where = max_diff(model, ref["weights"])
        errs[f"step{step + 1}"] = {"loss": loss_err, "weights": w_err, "worst": w_where}
        assert loss_err <= LOSS_TOL * max(1, abs(ref["loss"])), f"step {step + 1}: loss {loss.item()} vs tfjs {ref['loss']}"
        assert w_err <= WEIGHT_TOL, f"step {step + 1}: {w_where} differs by {w_err}"
    ERRORS[name] = errs
    print(f"\n{name}: {json.dumps(errs)}")
