"""The trainer's command line, on one process or under torchrun (DDP: gloo on CPU, NCCL on GPUs).

    python3 -m xsample_playground.train --data SHARDS [--config config.json] --objectives clip,xsample \\
        --steps N --seed S --batch B --out RUN_DIR [--init run.zip]
    torchrun --nproc_per_node K -m xsample_playground.train ...   (the same; --batch is the global batch)

Every rank draws the same global batch and augmentation plans from the app's seeded streams and takes its slice of
B/K images. Embeddings are gathered across ranks with gradients (open_clip's gather_features: all_gather, then the
rank's own slice replaced by its live tensor), every rank computes the loss of the whole global batch, and the
gradients are summed across ranks. So K processes with B/K images each compute the loss and update of one process
with B images. Writes RUN_DIR/<objective>.zip in the app's export layout.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.distributed as dist

from . import objectives as O
from .augment import apply_augment, plan_augment, slice_plan
from .config import DEFAULT_CONFIG, OBJECTIVES, load_config, run_augment, run_config, uses_graph, uses_text_tower, with_defaults
from .data import build_graph, load_shards
from .evaluate import evaluate_run
from .export import json_safe, read_run, run_files, write_zip
from .model import ContrastiveModel
from .optim import AdamW, learning_rate
from .prepared import find_prepared, load_prepared
from .rng import BatchSampler, aug_rng, split_held_out
from .tokenizer import Tokenizer

HELD_OUT_FRACTION = 0.2


def identity_gather(x):
    return x


def make_gather(rank, world):
    """All-gather along dim 0 whose result carries the gradient of this rank's own slice (open_clip's trick)."""
    if world == 1:
        return identity_gather

    def gather(x):
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x.detach().contiguous())
        parts[rank] = x
        return torch.cat(parts, 0)

    return gather


def batch_loss(model, cfg, images, plans, ids=None, graph=None, gather=identity_gather):
    """The objective on one (global) batch. images (b, S, S, 3) are this rank's images, plans its slices of the views'
    augmentation plans, ids (b, T) its token ids; graph is the (B, B) caption graph of the whole global batch."""
    obj = cfg["objective"]
    views = [apply_augment(images, p) for p in plans]
    if uses_text_tower(obj):
        x = gather(model.visual(views[0])[1])
        y = gather(model.text(ids))
        if obj == "clip":
            return O.clip_loss(x, y, model.logit_scale)
        if obj == "siglip":
            return O.sig_lip_loss(x, y, model.logit_scale, model.logit_bias)
        return O.x_clip_loss(x, y, model.logit_scale, graph, cfg["tauS"])
    b = images.shape[0]
    z = model.visual(torch.cat(views, 0))[1]  # (2b, d): [view A; view B] of this rank
    z = torch.cat([gather(z[:b]), gather(z[b:])], 0)  # (2B, d): [view A; view B] of the global batch
    if obj == "xsample":
        return O.x_sample_loss(z, O.two_view_graph(graph), cfg["tau"], cfg["tauS"])
    return O.sim_clr_loss(z, cfg["tau"])


def all_reduce_grads(params, world):
    """Sums the gradients across ranks (one flat buffer): each rank holds the gradient through its own slice."""
    if world == 1:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    at = 0
    for p, g in zip(params, grads):
        n = g.numel()
        p.grad = flat[at:at + n].view_as(p).clone()
        at += n


class Dist:
    def __init__(self, device_arg):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() and device_arg in ("auto", "cuda")
        if device_arg == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("--device cuda: no CUDA device")
        self.device = torch.device(f"cuda:{self.local_rank}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if cuda else "gloo")

    def close(self):
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def train_objective(cfg, data, graph, dctx, init=None, log=print, split=None):
    """Trains cfg["steps"] steps of one objective, evaluating on the held-out split every cfg["evalEvery"] steps and
    at the end (rank 0); returns (model, history, tokenizer, metrics). split: (train, held-out) indices, by default the
    app's seeded 20%."""
    dev, world, rank = dctx.device, dctx.world, dctx.rank
    B = cfg["batchSize"]
    train_idx, held_idx = split if split else split_held_out(len(data), HELD_OUT_FRACTION, cfg["seed"])
    sampler = BatchSampler(train_idx, B, cfg["seed"])
    if sampler.size % world:
        raise ValueError(f"the global batch {sampler.size} is not a multiple of the {world} processes")
    per = sampler.size // world
    init_state, init_vocab, start = init if init else (None, None, 0)
    tokenizer = None
    if uses_text_tower(cfg["objective"]):
        tokenizer = Tokenizer(init_vocab) if init_vocab else Tokenizer.from_captions([c for caps in data.all_captions for c in caps])
        if init_state is not None and "text.token_embedding" in init_state and not init_vocab:
            raise ValueError("--init: the run has a text tower but no tokenizer vocabulary (model.json)")
    model = ContrastiveModel(cfg, tokenizer.size if tokenizer else 0).init_from_seed(cfg["seed"])
    if init_state is not None:
        load_app_state(model, init_state)
    model.to(dev)
    named = list(model.named_parameters())
    opt = AdamW(named, model.decayed(), cfg["beta1"], cfg["beta2"], cfg["eps"], cfg["weightDecay"])
    params = [p for _, p in named]
    arng = aug_rng(cfg["seed"])
    augment = run_augment(cfg)
    history, metrics = [], []
    # Continuing a run: draw the batches and augmentations its first `start` steps drew (as the app's skipTo), so
    # step start + 1 trains on the batch the unbroken run would have; the schedule goes on from there.
    for _ in range(start):
        indices = sampler.next()
        for _ in range(2):
            plan_augment(len(indices), arng, augment)
    for step in range(start, cfg["steps"]):
        t0 = time.perf_counter()
        indices = sampler.next()
        # Two views are always drawn (from the run's own augmentation stream, in its recipe), as in the app.
        plans = [plan_augment(len(indices), arng, augment) for _ in range(2)][: model.views]
        mine = indices[rank * per:(rank + 1) * per]
        images = data.images(mine).to(dev)
        ids = None
        if tokenizer is not None:
            ids = torch.tensor(tokenizer.encode([data.captions[i] for i in mine], cfg["model"]["maxTokens"]), device=dev)
        g = graph.batch(indices).to(dev) if uses_graph(cfg["objective"]) else None
        lr = learning_rate(step, cfg["lr"], cfg["warmupSteps"], cfg["steps"], cfg["minLrRatio"])
        loss = batch_loss(model, cfg, images, [slice_plan(p, rank * per, (rank + 1) * per) for p in plans], ids, g, make_gather(rank, world))
        loss.backward()
        all_reduce_grads(params, world)
        opt.step(lr)
        opt.zero_grad()
        model.after_step()
        value = float(loss.detach())
        ms = (time.perf_counter() - t0) * 1000
        h = {"step": step + 1, "loss": value, "lr": lr, "ms": ms}
        if hasattr(model, "logit_scale"):
            h["logitScale"] = float(torch.exp(model.logit_scale.detach()))
        history.append(h)
        if rank == 0 and (step == 0 or (step + 1) % max(1, cfg["steps"] // 10) == 0 or step + 1 == cfg["steps"]):
            log(f"{cfg['objective']} step {step + 1}/{cfg['steps']} loss {value:.5f} lr {lr:.2e} {ms:.1f} ms ({sampler.size * 1000 / ms:.0f} images/s)")
        if cfg["evalEvery"] > 0 and ((step + 1) % cfg["evalEvery"] == 0 or step + 1 == cfg["steps"]):
            if rank == 0:
                t1 = time.perf_counter()
                m = evaluate_run(model, cfg, data, train_idx, held_idx, graph, step + 1, batch_loss, tokenizer, dev)
                metrics.append(m)
                log(f"{cfg['objective']} step {step + 1}: held-out {summary(m)} ({time.perf_counter() - t1:.1f} s)")
            if world > 1:
                dist.barrier()
    return model, history, tokenizer, metrics


def summary(m):
    parts = [f"loss {m['heldOutLoss']:.4f}", f"graph rho {m['graphSpearman']:.3f}"]
    if "knnTop1" in m:
        parts += [f"k-NN {m['knnTop1']:.3f}", f"probe {m['linearProbeTop1']:.3f}"]
    if "retrieval" in m:
        parts.append(f"i2t R@1 {m['retrieval']['imageToText']['r1']:.3f}")
    return ", ".join(parts)


def load_app_state(model, state):
    """The run's weights by the app's names. Every image-tower weight must be there; the text tower and scalars are
    taken where the run has them (a run of another objective starts the image tower only)."""
    own = {k: v for k, v in model.state_dict().items() if k.startswith("visual.") or k in state}
    missing = [k for k in own if k not in state]
    if missing:
        raise ValueError(f"--init: the run lacks {', '.join(missing[:5])}")
    with torch.no_grad():
        for k, v in own.items():
            if tuple(state[k].shape) != tuple(v.shape):
                raise ValueError(f"--init: {k} has shape {tuple(state[k].shape)} in the run, {tuple(v.shape)} here")
            v.copy_(state[k])


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python3 -m xsample_playground.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="a .tar shard, a directory of shards or a comma-separated list")
    ap.add_argument("--config", help="the app's exported config.json (a run's, or a bare TrainConfig); default: the app's defaults")
    ap.add_argument("--objectives", help="comma-separated among " + ",".join(OBJECTIVES) + " (default: the config's objective)")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--batch", type=int, help="the global batch (split across processes)")
    ap.add_argument("--lr", type=float)
    ap.add_argument("--eval-every", type=int, help="steps between held-out evaluations (and one at the end); 0: none")
    ap.add_argument("--out", required=True, help="run directory; gets <objective>.zip per objective")
    ap.add_argument("--init", help="an exported run zip to start from (its config too, unless --config is given)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--threads", type=int, help="torch CPU threads per process")
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    init_cfg, init_state, init_vocab, init_step = read_run(a.init, with_step=True) if a.init else (None, None, None, 0)
    cfg0 = load_config(a.config) if a.config else (with_defaults(init_cfg) if a.init else with_defaults())
    for k, v in (("steps", a.steps), ("seed", a.seed), ("batchSize", a.batch), ("lr", a.lr), ("evalEvery", a.eval_every)):
        if v is not None:
            cfg0[k] = v
    objectives = a.objectives.split(",") if a.objectives else [cfg0["objective"]]
    for o in objectives:
        if o not in OBJECTIVES:
            raise SystemExit(f"unknown objective {o}; choose among {', '.join(OBJECTIVES)}")
    dctx = Dist(a.device)
    try:
        prepared = find_prepared(a.data)
        split, info = None, None
        if prepared:
            data, train_idx, test_idx, info = load_prepared(*prepared, cfg0["model"]["imageSize"])
            split = (train_idx, test_idx)
        else:
            data = load_shards(a.data, cfg0["model"]["imageSize"])
        # Every run is evaluated against the graph (graph rho), whether or not its objective trains on it.
        graph = build_graph(data, cfg0["graph"], cfg0["centreGraph"])
        if dctx.rank == 0:
            os.makedirs(a.out, exist_ok=True)
            how = f"the app's split from dataset.json ({len(split[0])} train, {len(split[1])} held out, {info['split']['by']})" if split else f"seeded {HELD_OUT_FRACTION:.0%} held out"
            print(f"{len(data)} samples from {a.data}, {how}; graph {graph.kind}; {dctx.world} process(es) on {dctx.device}; global batch {cfg0['batchSize']}")
        results = {}
        for o in objectives:
            cfg = run_config(cfg0, o)  # the objective's augmentation recipe, unless the config says sameAugment
            # --init with the run's own objective and seed continues that run from its step (to --steps in all);
            # another objective or seed starts from its weights at step 0.
            start = init_step if a.init and init_cfg.get("objective") == o and init_cfg.get("seed") == cfg["seed"] else 0
            if start >= cfg["steps"]:
                raise SystemExit(f"--init: {a.init} is at step {start} of {o}; ask for more steps than that (--steps {start + cfg['steps']}) to continue it")
            if start and dctx.rank == 0:
                print(f"{o}: continuing {a.init} from step {start} to {cfg['steps']}")
            init = (init_state, init_vocab, start) if a.init else None
            model, history, tok, metrics = train_objective(cfg, data, graph, dctx, init, split=split)
            if dctx.rank == 0:
                path = os.path.join(a.out, f"{o}.zip")
                backend = {"name": "pytorch", "torch": torch.__version__, "device": str(dctx.device), "processes": dctx.world}
                dataset = {"name": data.name, "size": len(data), "graph": graph.kind, "heldOutBy": info["split"]["by"] if info else f"seeded {HELD_OUT_FRACTION:.0%}"}
                if info:
                    dataset.update(trainSize=len(split[0]), heldOutSize=len(split[1]), imageSize=info.get("imageSize"), prepared=True)
                write_zip(path, run_files(model.cpu(), cfg, cfg["steps"], history, dataset, backend, tok.vocab if tok else None, metrics))
                model.to(dctx.device)
                ms = sorted(h["ms"] for h in history[1:] or history)
                ips = cfg["batchSize"] * 1000 / ms[len(ms) // 2]
                results[o] = {"zip": path, "final_loss": history[-1]["loss"], "images_per_s": ips, "metrics": metrics[-1] if metrics else None}
                print(f"{o}: wrote {path} (median {ips:.0f} images/s)")
        if dctx.rank == 0:
            print(json.dumps(json_safe(results)))
        return results
    finally:
        dctx.close()


if __name__ == "__main__":
    main(sys.argv[1:])
