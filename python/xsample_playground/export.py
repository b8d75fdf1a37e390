"""A run zip in the browser app's export layout (src/worker/runExport.ts): README.txt, model.safetensors (image tower
under timm's names), model.json + model.weights.bin (TensorFlow.js format, importable by the app), config.json,
history.csv/json and metrics.csv/json. Also reads a run zip back (--init)."""
import datetime
import io
import json
import math
import struct
import zipfile

import torch

from . import safetensors as st

CHECKPOINT_FORMAT = "xsample-playground-checkpoint/1"
INPUT_NOTE = "RGB in [0, 1], centre-cropped and resized to img_size, then (x - 0.5) / 0.25, channels first for timm"


def timm_kwargs(m):
    return {
        "img_size": m["imageSize"], "patch_size": m["patchSize"], "in_chans": 3, "embed_dim": m["width"],
        "depth": m["depth"], "num_heads": m["heads"], "mlp_ratio": m["mlpRatio"], "qkv_bias": True,
        "class_token": False, "global_pool": "avg", "fc_norm": False, "num_classes": m["projDim"],
    }


def js_num(v):
    """A number as JavaScript's String(v) writes it (integers without '.0')."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def history_csv(history):
    lines = ["step,loss,lr,ms,logit_scale"]
    for h in history:
        lines.append(",".join([js_num(h["step"]), js_num(h["loss"]), js_num(h["lr"]), f"{h['ms']:.2f}", js_num(h.get("logitScale"))]))
    return "\n".join(lines) + "\n"


METRICS_HEADER = "step,held_out_loss,knn_top1,linear_probe_top1,knn_top1_projection,linear_probe_top1_projection,graph_spearman,i2t_r1,i2t_r5,i2t_r10,t2i_r1,t2i_r5,t2i_r10"


def _csv_num(v):
    """A metric as the app's metricsCsv writes it: absent as '', NaN as 'NaN', numbers as String(v)."""
    if v is None:
        return ""
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    return js_num(v)


def metrics_csv(metrics):
    lines = [METRICS_HEADER]
    for m in metrics:
        r = m.get("retrieval")
        ranks = [r[side][k] if r else None for side in ("imageToText", "textToImage") for k in ("r1", "r5", "r10")]
        cells = [m["step"], m["heldOutLoss"], m.get("knnTop1"), m.get("linearProbeTop1"), m.get("knnTop1Projected"),
                 m.get("linearProbeTop1Projected"), m["graphSpearman"], *ranks]
        lines.append(",".join(_csv_num(c) for c in cells))
    return "\n".join(lines) + "\n"


def json_safe(v):
    """NaN and infinities as null (as JSON.stringify writes them); Python's json would write NaN, which is not JSON."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v


def tfjs_files(state, meta):
    specs, blobs = [], []
    for name, t in state.items():
        t = t.detach().cpu().float().contiguous()
        specs.append({"name": name, "shape": list(t.shape), "dtype": "float32"})
        blobs.append(st._f32_bytes(t))
    model_json = {
        "format": CHECKPOINT_FORMAT, "generatedBy": "X-Sample Playground (PyTorch trainer)", "convertedBy": None,
        "modelTopology": None, "weightsManifest": [{"paths": ["model.weights.bin"], "weights": specs}],
        "userDefinedMetadata": meta,
    }
    return json.dumps(model_json, indent=1), b"".join(blobs)


def readme(objective, cfg):
    kw = ", ".join(f"{k}={repr(v)}" for k, v in timm_kwargs(cfg["model"]).items())
    return f"""X-Sample Playground export: {objective} (trained by the PyTorch trainer, python/xsample_playground)

model.json + model.weights.bin   TensorFlow.js weights (tf.io format); config, step and tokenizer in userDefinedMetadata.
                                 Load back in the app with "Import weights".
model.safetensors                The image tower under timm's ViT names and layouts; text tower and scalars under this
                                 app's names. In Python:

    import timm, torch
    from safetensors.torch import load_file
    from timm.models.vision_transformer import VisionTransformer
    model = VisionTransformer({kw})
    state = {{k: v for k, v in load_file('model.safetensors').items() if not k.startswith(('text.', 'logit_'))}}
    model.load_state_dict(state)
    # input: {INPUT_NOTE}

config.json                      The run's config, the timm arguments above and the dataset.
history.csv / history.json       Loss, learning rate and step time of every step.
metrics.csv / metrics.json       Held-out metrics at every evaluation (the app's definitions, python/xsample_playground/evaluate.py).
"""


def run_files(model, cfg, step, history, dataset, backend, vocab=None, metrics=None):
    """name -> bytes of a run export."""
    state = {k: v for k, v in model.state_dict().items()}
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    meta = {"format": CHECKPOINT_FORMAT, "config": cfg, "step": step, "vocab": vocab, "dataset": dataset.get("name"), "createdAt": now}
    if vocab is None:
        del meta["vocab"]
    model_json, weights = tfjs_files(state, meta)
    safet = st.encode(st.to_timm(state, cfg["model"]), {
        "format": "pt", "objective": cfg["objective"], "step": str(step),
        "timm_kwargs": json.dumps(timm_kwargs(cfg["model"]), separators=(",", ":")), "input": INPUT_NOTE,
    })
    dump = lambda v: json.dumps(json_safe(v), indent=2, allow_nan=False).encode("utf-8")
    metrics = metrics or []
    return {
        "README.txt": readme(cfg["objective"], cfg).encode("utf-8"),
        "model.json": model_json.encode("utf-8"),
        "model.weights.bin": weights,
        "model.safetensors": safet,
        "config.json": dump({
            "origin": "pytorch",  # the app's Import weights labels the run "trained in PyTorch"
            "objective": cfg["objective"], "step": step, "config": cfg,
            "timm": {"class": "timm.models.vision_transformer.VisionTransformer", "kwargs": timm_kwargs(cfg["model"]), "input": INPUT_NOTE},
            "dataset": dataset, "backend": backend, "exportedAt": now,
        }),
        "metrics.json": dump(metrics),
        "metrics.csv": metrics_csv(metrics).encode("utf-8"),
        "history.json": dump(history),
        "history.csv": history_csv(history).encode("utf-8"),
    }


def write_zip(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)


def read_run(path, with_step=False):
    """(config, state in the app's names, vocab or None) from a run zip (the app's or this trainer's); with_step, also
    the step its weights are at (model.json's, else config.json's; 0 where neither says)."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        cfg_obj = json.loads(z.read("config.json")) if "config.json" in names else None
        vocab = None
        step = (cfg_obj or {}).get("step") if isinstance(cfg_obj, dict) else None
        if "model.json" in names:
            mj = json.loads(z.read("model.json"))
            meta = mj.get("userDefinedMetadata") or {}
            vocab = meta.get("vocab")
            step = meta.get("step", step)
            cfg_obj = cfg_obj or {"config": meta.get("config")}
        if "model.safetensors" not in names:
            raise ValueError(f"{path} has no model.safetensors")
        tensors, _ = st.decode(z.read("model.safetensors"))
    cfg = cfg_obj["config"] if cfg_obj and "config" in cfg_obj else cfg_obj
    state = st.from_timm({k: v.float() for k, v in tensors.items()}, cfg["model"])
    if with_step:
        return cfg, state, vocab, int(step) if isinstance(step, (int, float)) and step >= 0 else 0
    return cfg, state, vocab
